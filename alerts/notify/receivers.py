"""Receivers: named destinations for incidents, each one channel with its typed configuration.

As in Alertmanager, routes send incidents to receivers by name; a receiver says how
to reach its channel. In the settings' YAML::

    receivers:
      - name: crisis-room
        slack: {channel: "#brand-crisis"}
      - name: oncall
        pagerduty: {routing_key: "R0UT1NGKEY0123456789ABCDEF012345"}
        retry: {attempts: 5}
      - name: itsm
        webhook: {url: "https://itsm.example/hooks/badbuzz", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}

The worker's terminal is the built-in receiver :data:`CONSOLE`.
"""

from __future__ import annotations

from concurrent.futures import Executor

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from rich.console import Console

from badbuzz.alerts.i18n import Language, speaking
from badbuzz.alerts.notify.console import ConsoleConfig, ConsoleNotifier
from badbuzz.alerts.notify.delivery import Notification, Notifier, Observer, Receipt, RetryPolicy
from badbuzz.alerts.notify.email import EmailConfig, EmailNotifier
from badbuzz.alerts.notify.opsgenie import OpsgenieConfig, OpsgenieNotifier
from badbuzz.alerts.notify.pagerduty import PagerDutyConfig, PagerDutyNotifier
from badbuzz.alerts.notify.slack import SLACK_API, Pacer, SlackConfig, SlackNotifier
from badbuzz.alerts.notify.webhook import WebhookConfig, WebhookNotifier

CHANNELS = ("console", "slack", "pagerduty", "opsgenie", "webhook", "email")


class Receiver(BaseModel):
    """A name routes refer to, and exactly one channel configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$",
        description="Lower case, digits, '_', '.', '-': it names the channel in notifications and metrics.",
    )
    retry: RetryPolicy = RetryPolicy()
    language: Language | None = Field(
        None, description="What this receiver's messages speak (en, fr); default: BADBUZZ_LANGUAGE."
    )
    console: ConsoleConfig | None = None
    slack: SlackConfig | None = None
    pagerduty: PagerDutyConfig | None = None
    opsgenie: OpsgenieConfig | None = None
    webhook: WebhookConfig | None = None
    email: EmailConfig | None = None

    @model_validator(mode="after")
    def _exactly_one_channel(self) -> Receiver:
        given = [channel for channel in CHANNELS if getattr(self, channel) is not None]
        if len(given) != 1:
            raise ValueError(
                f"receiver {self.name!r} needs exactly one of {', '.join(CHANNELS)}; got {given or 'none'}"
            )
        return self

    @property
    def kind(self) -> str:
        """Which channel it is: ``"slack"``, ``"pagerduty"``… (a bounded set: safe as a metric label)."""
        return next(channel for channel in CHANNELS if getattr(self, channel) is not None)


#: The worker's terminal.
CONSOLE = Receiver(name="console", console=ConsoleConfig())


def notifier_for(
    receiver: Receiver,
    *,
    slack_token: SecretStr | None = None,
    slack_base_url: str = SLACK_API,
    pacer: Pacer | None = None,
    observe: Observer | None = None,
    executor: Executor | None = None,
    console: Console | None = None,
    language: Language = Language.ENGLISH,
) -> Notifier:
    """The notifier of ``receiver``, speaking the receiver's language (``language`` when it names none).

    Slack receivers share the worker's bot token and should share one ``pacer``, so
    two receivers posting to one channel keep to Slack's pace together.
    """
    channel = _channel_notifier(
        receiver,
        slack_token=slack_token,
        slack_base_url=slack_base_url,
        pacer=pacer,
        observe=observe,
        executor=executor,
        console=console,
    )
    return Speaking(channel, receiver.language or language)


class Speaking:
    """A notifier whose messages are phrased in ``language``: words, numbers and times."""

    def __init__(self, notifier: Notifier, language: Language) -> None:
        self.notifier = notifier
        self.language = language
        self.name = notifier.name

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        with speaking(self.language):
            return await self.notifier.deliver(notification, previous)

    async def close(self) -> None:
        await self.notifier.close()

    def __getattr__(self, name: str):
        # What tests and the worker read of a channel (its config, client, meter) stays reachable.
        return getattr(self.notifier, name)


def _channel_notifier(
    receiver: Receiver,
    *,
    slack_token: SecretStr | None,
    slack_base_url: str,
    pacer: Pacer | None,
    observe: Observer | None,
    executor: Executor | None,
    console: Console | None,
) -> Notifier:
    name, retry = receiver.name, receiver.retry
    if receiver.console is not None:
        return ConsoleNotifier(console, name=name, observe=observe)
    if receiver.slack is not None:
        if slack_token is None:
            raise ValueError(f"receiver {name!r} posts to Slack: set SLACK_BOT_TOKEN")
        return SlackNotifier(
            name,
            receiver.slack,
            token=slack_token,
            base_url=slack_base_url,
            retry=retry,
            observe=observe,
            pacer=pacer,
            executor=executor,
        )
    if receiver.pagerduty is not None:
        return PagerDutyNotifier(name, receiver.pagerduty, retry=retry, observe=observe)
    if receiver.opsgenie is not None:
        return OpsgenieNotifier(name, receiver.opsgenie, retry=retry, observe=observe)
    if receiver.webhook is not None:
        return WebhookNotifier(name, receiver.webhook, retry=retry, observe=observe)
    assert receiver.email is not None
    return EmailNotifier(name, receiver.email, retry=retry, observe=observe, executor=executor)
