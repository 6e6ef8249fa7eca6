"""One frozen settings model for the whole pipeline.

Values come, highest priority first, from keyword arguments, environment
variables, a YAML file named by ``BADBUZZ_CONFIG``, then the defaults below.
Every field's environment variable is ``BADBUZZ_<FIELD NAME>`` unless its
description names another one (Slack's token keeps Slack's usual name).
Each command reads them once (``Settings()``) and hands them down: no module reads
them at import.
"""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from badbuzz.alerts.i18n import Language
from badbuzz.alerts.notify.delivery import Redelivery
from badbuzz.alerts.notify.receivers import CONSOLE, Receiver
from badbuzz.alerts.notify.slack.client import SlackConfig
from badbuzz.alerts.policy.calendar import CampaignCalendar
from badbuzz.alerts.policy.routing import RoutingConfig
from badbuzz.detectors.authenticity import AuthenticitySettings
from badbuzz.detectors.enrichment.reach import ReachModel
from badbuzz.vocabulary.signals import Signal

CONFIG_FILE_ENV = "BADBUZZ_CONFIG"
#: The receiver made of the single-channel Slack settings (SLACK_BOT_TOKEN and BADBUZZ_SLACK_CHANNEL).
LEGACY_SLACK = "slack"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BADBUZZ_", env_nested_delimiter="__", frozen=True, extra="forbid")

    # Kafka
    broker_url: str = Field(
        "kafka://127.0.0.1:9092",
        description="BADBUZZ_BROKER_URL: Kafka bootstrap servers, faust style (kafka://host:port;host2:port).",
    )
    partitions: int = Field(
        4, ge=1, description="BADBUZZ_PARTITIONS: partitions of every badbuzz topic; the most workers that share work."
    )
    replication_factor: int = Field(
        1, ge=1, description="BADBUZZ_REPLICATION_FACTOR: replicas of every badbuzz topic (3 on a production cluster)."
    )
    producer_max_batch_size: int = Field(
        16384,
        ge=1,
        description="BADBUZZ_PRODUCER_MAX_BATCH_SIZE: 1 with the embedded broker, whose end offsets are wrong "
        "for multi-record batches and would cut table recovery short.",
    )
    broker_session_timeout: float = Field(60.0, description="BADBUZZ_BROKER_SESSION_TIMEOUT, seconds.")
    broker_heartbeat_interval: float = Field(3.0, description="BADBUZZ_BROKER_HEARTBEAT_INTERVAL, seconds.")
    broker_rebalance_timeout: float = Field(60.0, description="BADBUZZ_BROKER_REBALANCE_TIMEOUT, seconds.")

    # Worker
    worker_id: str = Field(
        "badbuzz", description="BADBUZZ_WORKER_ID: the consumer group; workers sharing it share work."
    )
    data_dir: str = Field(".badbuzz", description="BADBUZZ_DATA_DIR: the worker's local state directory.")
    web_port: int = Field(6066, description="BADBUZZ_WEB_PORT: the worker's HTTP port.")
    batch_size: int = Field(2000, ge=1, description="BADBUZZ_BATCH_SIZE: most mentions an agent handles in one batch.")
    batch_seconds: float = Field(
        0.5, gt=0, description="BADBUZZ_BATCH_SECONDS: longest wait to fill a batch before handling it."
    )

    # Mentions
    brands: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="BADBUZZ_BRANDS: comma-separated tracked brands; mentions of others go to the dead-letter "
        "topic. Empty accepts every brand.",
    )
    max_message_bytes: int = Field(
        65_536, ge=1024, description="BADBUZZ_MAX_MESSAGE_BYTES: larger raw messages are dead-lettered unread."
    )

    # Enrichment
    languages: Annotated[tuple[str, ...], NoDecode] = Field(
        ("fr", "en", "de", "es", "it", "pt"),
        description="BADBUZZ_LANGUAGES: comma-separated ISO 639-1 codes of the languages mentions are read in; "
        "others count as 'und'.",
    )

    sentiment_scorer: str = Field(
        "static",
        description="BADBUZZ_SENTIMENT_SCORER: a name from badbuzz.detectors.enrichment.sentiment.SCORERS "
        "('static': fast, the default; 'e5': more accurate, slow; 'cascade': static, then e5 for the least confident).",
    )
    sentiment_cascade_fraction: float = Field(
        0.005,
        ge=0.0,
        le=1.0,
        description="BADBUZZ_SENTIMENT_CASCADE_FRACTION: the least confident share of each batch the 'cascade' "
        "scorer reads again with e5; about 2,000 texts/s per core at 1 %, 60 at 50 % (bench/sentiment.py).",
    )
    min_relabels: int = Field(
        20,
        ge=1,
        description="BADBUZZ_MIN_RELABELS: relabels of a brand learnt before they correct its sentiment scores.",
    )
    reach: ReachModel = Field(ReachModel(), description="How followers turn into reach, per platform (YAML).")
    authenticity: AuthenticitySettings = Field(
        AuthenticitySettings(), description="Copy detection and bot rules (YAML, or BADBUZZ_AUTHENTICITY__…)."
    )
    checkpoint_seconds: float = Field(
        2.0,
        gt=0,
        description="BADBUZZ_CHECKPOINT_SECONDS: how often the ingest stage saves its brands' windows and judges; "
        "offsets are committed only up to what a checkpoint holds, so a crash replays at most this much.",
    )
    max_clock_skew_seconds: float = Field(
        300.0,
        ge=0,
        description="BADBUZZ_MAX_CLOCK_SKEW_SECONDS: mentions dated further ahead of the worker's clock are "
        "dead-lettered as 'from_the_future' (collectors' clocks drift; more is a bug upstream).",
    )
    max_gap_windows: int = Field(
        1440,
        ge=1,
        description="BADBUZZ_MAX_GAP_WINDOWS: most empty windows a brand emits in a row, and how far behind its "
        "event time (in windows) a mention may be before it is 'too_old'.",
    )

    # Windows
    window_seconds: int = Field(60, ge=1, description="BADBUZZ_WINDOW_SECONDS: tumbling window length.")
    lateness_seconds: int = Field(
        10,
        ge=0,
        description="BADBUZZ_LATENESS_SECONDS: how long a window waits for mentions that arrive out of order.",
    )

    early_judgement_seconds: float = Field(
        5.0,
        ge=0,
        description="BADBUZZ_EARLY_JUDGEMENT_SECONDS: how often the ingest stage offers each brand's open window, "
        "where it is already notable (its mentions or negative mentions at least BADBUZZ_MIN_COUNT and twice the "
        "previous window's for the time elapsed), for the detect stage to open an incident before it closes on "
        "overwhelming evidence (the critical level); 0 turns early judgement off.",
    )
    early_min_seconds: float = Field(
        10.0,
        gt=0,
        description="BADBUZZ_EARLY_MIN_SECONDS: how far into a window it may first be judged early.",
    )

    # Detection
    detector: str = Field(
        "count_evidence", description="BADBUZZ_DETECTOR: a name from badbuzz.detectors.anomaly.COUNT_DETECTORS."
    )
    threshold: float | None = Field(
        None, gt=0, description="BADBUZZ_THRESHOLD: the score at which an alert opens; default: the detector's own."
    )
    min_count: float = Field(
        10,
        ge=0,
        description="BADBUZZ_MIN_COUNT: a rise counting fewer mentions over the span that shows it (the window, "
        "or the last half hour, two or six hours; for the negative share: fewer negative mentions in the window) "
        "never opens an incident.",
    )
    alert_signals: Annotated[tuple[Signal, ...], NoDecode] = Field(
        (Signal.NEGATIVE_VOLUME, Signal.NEGATIVE_SHARE, Signal.NEGATIVE_REACH),
        description="BADBUZZ_ALERT_SIGNALS: the signals that open incidents (every signal is watched and "
        "exported); a rise of volume alone is a launch as often as a crisis.",
    )
    resolve_after_seconds: float = Field(
        3 * 3600,
        gt=0,
        description="BADBUZZ_RESOLVE_AFTER_SECONDS: how long a signal stays back to normal before its incident "
        "resolves.",
    )
    relearn_after_seconds: float | None = Field(
        6 * 3600,
        gt=0,
        description="BADBUZZ_RELEARN_AFTER_SECONDS: an alert lasting this long is a new level, learnt again.",
    )

    history_windows: int = Field(
        180, ge=10, description="BADBUZZ_HISTORY_WINDOWS: windows of each signal an incident's chart shows."
    )
    calendar: CampaignCalendar = Field(
        CampaignCalendar(),
        description="Planned campaigns per brand (YAML): they re-baseline the volume signals instead of alerting.",
    )

    # Alerts
    slack_bot_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("slack_bot_token", "SLACK_BOT_TOKEN"),
        description="SLACK_BOT_TOKEN: a bot token (xoxb-…) with chat:write; Slack is off without it.",
    )
    slack_channel: str | None = Field(
        None, description="BADBUZZ_SLACK_CHANNEL: the channel id or name incidents go to."
    )
    slack_base_url: str = Field(
        "https://slack.com/api/", description="BADBUZZ_SLACK_BASE_URL: Slack's Web API root (a fake one in tests)."
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("slack_signing_secret", "SLACK_SIGNING_SECRET"),
        description="SLACK_SIGNING_SECRET: verifies that button clicks come from Slack; buttons are off without it.",
    )
    api_token: SecretStr | None = Field(
        None, description="BADBUZZ_API_TOKEN: the bearer token of the HTTP API (relabels, incident actions)."
    )
    grafana_url: str | None = Field(
        None,
        description="BADBUZZ_GRAFANA_URL: where alerts link to the brand's dashboard; without it, to the console.",
    )
    console_url: str | None = Field(
        None,
        description="BADBUZZ_CONSOLE_URL: the incident console's address as people reach it "
        "(default http://localhost:<BADBUZZ_WEB_PORT>/console).",
    )
    runbook_urls: dict[str, str] = Field(
        {}, description="BADBUZZ_RUNBOOK_URLS: JSON object, brand → its crisis playbook's URL."
    )
    redelivery_seconds: float = Field(
        1.0, gt=0, description="BADBUZZ_REDELIVERY_SECONDS: first wait before trying a channel that is down again."
    )
    max_redelivery_seconds: float = Field(
        5.0,
        gt=0,
        description="BADBUZZ_MAX_REDELIVERY_SECONDS: the longest wait between two tries of a channel that is down "
        "(unless it asks for longer with Retry-After): a channel that comes back is used again within it.",
    )
    receivers: tuple[Receiver, ...] = Field(
        (),
        description="Where incidents go (YAML): each a name and one channel (slack, pagerduty, opsgenie, "
        "webhook, email).",
    )
    routing: RoutingConfig | None = Field(
        None,
        description="Which receivers hear of which incidents, and when (YAML); default: every receiver, a "
        "warning after a 30 s group wait (a flap is never sent), a critical incident at once "
        "(critical_group_wait 0s).",
    )
    console_alerts: bool = Field(True, description="BADBUZZ_CONSOLE_ALERTS: print incidents on the worker's terminal.")
    language: Language = Field(
        Language.ENGLISH,
        description="BADBUZZ_LANGUAGE: en or fr, what alerts, the console and the demo speak; "
        "a receiver's own language overrides it for its channel.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_file = os.environ.get(CONFIG_FILE_ENV)
        sources = [init_settings, env_settings]
        if yaml_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=yaml_file))
        return tuple(sources)

    @field_validator("brands", "languages", "alert_signals", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("sentiment_scorer")
    @classmethod
    def _known_scorer(cls, value: str) -> str:
        from badbuzz.detectors.enrichment.sentiment import SCORERS

        if value not in SCORERS:
            raise ValueError(f"unknown sentiment scorer {value!r}; choose one of {', '.join(SCORERS)}")
        return value

    @field_validator("detector")
    @classmethod
    def _known_detector(cls, value: str) -> str:
        from badbuzz.detectors.anomaly import COUNT_DETECTORS

        # The share detector watches the negative share whatever is configured here.
        if value not in COUNT_DETECTORS:
            raise ValueError(f"unknown detector {value!r}; choose one of {sorted(COUNT_DETECTORS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        names = [receiver.name for receiver in self.enabled_receivers]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"receiver names must be unique: {', '.join(duplicates)} given twice")
        if self.slack_bot_token is None and any(receiver.slack for receiver in self.receivers):
            raise ValueError("Slack receivers need SLACK_BOT_TOKEN")
        self.calendar.check_brands(self.brands)
        if self.routing is None and not names:
            raise ValueError("no receiver to route incidents to: keep the console or configure receivers")
        if self.routing is not None:
            self.routing.check_receivers(names)
        return self

    @property
    def routes(self) -> RoutingConfig:
        """The configured routing, or every incident to every receiver."""
        return self.routing or RoutingConfig.broadcast(receiver.name for receiver in self.enabled_receivers)

    @property
    def enabled_receivers(self) -> tuple[Receiver, ...]:
        """The console (unless turned off), the single Slack channel if set, then the configured receivers."""
        built_in = [CONSOLE] if self.console_alerts else []
        if self.slack_enabled:
            assert self.slack_channel is not None
            built_in.append(Receiver(name=LEGACY_SLACK, slack=SlackConfig(channel=self.slack_channel)))
        return (*built_in, *self.receivers)

    @property
    def console_address(self) -> str:
        return (self.console_url or f"http://localhost:{self.web_port}/console").rstrip("/")

    @property
    def redelivery(self) -> Redelivery:
        return Redelivery(first_wait=self.redelivery_seconds, max_wait=self.max_redelivery_seconds)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and bool(self.slack_channel)

    @property
    def bootstrap_servers(self) -> list[str]:
        """The broker URL as kafka-python and aiokafka want it."""
        return [server.strip().removeprefix("kafka://") for server in self.broker_url.split(";")]
