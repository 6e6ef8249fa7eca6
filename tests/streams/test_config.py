from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from badbuzz.alerts.notify.channels import notifiers_from
from badbuzz.alerts.notify.receivers import CONSOLE
from badbuzz.streams.config import CONFIG_FILE_ENV, Settings
from tests.alerts.notify.receiver_examples import load


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the real environment: start every test from none of ours."""
    for name in list(os.environ):
        if name.upper().startswith("BADBUZZ_") or name.upper() == "SLACK_BOT_TOKEN":
            monkeypatch.delenv(name)


def write_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "badbuzz.yaml"
    path.write_text(text)
    monkeypatch.setenv(CONFIG_FILE_ENV, str(path))
    return path


def test_defaults_without_environment_or_file() -> None:
    settings = Settings()
    assert settings.brands == ()
    assert settings.window_seconds == 60
    assert settings.slack_bot_token is None
    assert settings.slack_channel is None
    assert settings.slack_enabled is False


def test_reads_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BADBUZZ_BRANDS", "nuvola, velocia ,, cafe-lumen")
    monkeypatch.setenv("BADBUZZ_WINDOW_SECONDS", "120")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("BADBUZZ_SLACK_CHANNEL", "#crisis")

    settings = Settings()

    assert settings.brands == ("nuvola", "velocia", "cafe-lumen")
    assert settings.window_seconds == 120
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-env"
    assert settings.slack_channel == "#crisis"


def test_the_slack_token_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    settings = Settings()
    assert "xoxb-secret-value" not in repr(settings)
    assert "xoxb-secret-value" not in str(settings.model_dump())


def test_invalid_environment_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BADBUZZ_WINDOW_SECONDS", "0")
    with pytest.raises(ValidationError, match="window_seconds"):
        Settings()


def test_reads_the_yaml_file_named_by_badbuzz_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(
        tmp_path,
        monkeypatch,
        "brands: [nuvola, oceane-air]\nwindow_seconds: 30\nthreshold: 4.5\n"
        "slack_bot_token: xoxb-from-yaml\nslack_channel: C0123\n",
    )

    settings = Settings()

    assert settings.brands == ("nuvola", "oceane-air")
    assert settings.window_seconds == 30
    assert settings.threshold == 4.5
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-yaml"
    assert settings.slack_channel == "C0123"
    assert settings.slack_enabled


def test_yaml_brands_may_be_a_comma_separated_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(tmp_path, monkeypatch, "brands: 'nuvola, velocia'\n")
    assert Settings().brands == ("nuvola", "velocia")


def test_environment_beats_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(
        tmp_path, monkeypatch, "brands: [from-yaml]\nwindow_seconds: 30\nslack_channel: '#yaml'\nthreshold: 4.5\n"
    )
    monkeypatch.setenv("BADBUZZ_BRANDS", "from-env")
    monkeypatch.setenv("BADBUZZ_WINDOW_SECONDS", "90")
    monkeypatch.setenv("BADBUZZ_SLACK_CHANNEL", "#env")

    settings = Settings()

    assert settings.brands == ("from-env",)
    assert settings.window_seconds == 90
    assert settings.slack_channel == "#env"
    assert settings.threshold == 4.5  # not in the environment: the file still counts


def test_keyword_arguments_beat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BADBUZZ_WINDOW_SECONDS", "90")
    assert Settings(window_seconds=15).window_seconds == 15


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError, match="frozen"):
        settings.window_seconds = 5
    assert settings.window_seconds == 60


def test_unknown_yaml_keys_are_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_yaml(tmp_path, monkeypatch, "window_seconds: 30\nwindow_secs: 45\n")
    with pytest.raises(ValidationError, match="window_secs"):
        Settings()


@pytest.mark.parametrize(
    ("token", "channel", "enabled"),
    [
        (None, None, False),
        ("xoxb-1", None, False),
        (None, "#crisis", False),
        ("xoxb-1", "", False),
        ("xoxb-1", "#crisis", True),
    ],
)
def test_slack_enabled_needs_both_token_and_channel(
    monkeypatch: pytest.MonkeyPatch, token: str | None, channel: str | None, enabled: bool
) -> None:
    if token is not None:
        monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    if channel is not None:
        monkeypatch.setenv("BADBUZZ_SLACK_CHANNEL", channel)
    assert Settings().slack_enabled is enabled


@pytest.mark.parametrize(
    ("url", "servers"),
    [
        ("kafka://127.0.0.1:9092", ["127.0.0.1:9092"]),
        ("kafka://k1:9092;kafka://k2:9093", ["k1:9092", "k2:9093"]),
        ("k1:9092;kafka://k2:9093", ["k1:9092", "k2:9093"]),
    ],
)
def test_bootstrap_servers(monkeypatch: pytest.MonkeyPatch, url: str, servers: list[str]) -> None:
    monkeypatch.setenv("BADBUZZ_BROKER_URL", url)
    assert Settings().bootstrap_servers == servers


def test_an_unknown_detector_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="unknown detector 'prophet'"):
        Settings(detector="prophet")


def test_the_cascade_reads_a_share_of_each_batch_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BADBUZZ_SENTIMENT_CASCADE_FRACTION", "0.02")
    assert Settings().sentiment_cascade_fraction == 0.02
    with pytest.raises(ValidationError, match="sentiment_cascade_fraction"):
        Settings(sentiment_cascade_fraction=1.5)


def test_the_worker_has_the_console_the_legacy_slack_channel_and_the_configured_receivers():
    settings = Settings(slack_bot_token="xoxb-test", slack_channel="#legacy", receivers=load())
    notifiers = notifiers_from(settings.enabled_receivers, slack_token=settings.slack_bot_token)

    assert list(notifiers) == ["console", "slack", "crisis-room", "pr-team", "oncall", "opsgenie-eu", "itsm", "pr-mail"]
    assert notifiers["slack"].config.channel == "#legacy"
    assert notifiers["crisis-room"].pacer is notifiers["pr-team"].pacer, "one pace per Slack channel, shared"


def test_receiver_names_are_unique():
    with pytest.raises(ValueError, match="console"):
        Settings(receivers=[CONSOLE])


def test_routing_may_only_name_enabled_receivers():
    routing = {"route": {"receiver": "console", "routes": [{"receiver": "nowhere"}]}}
    with pytest.raises(ValueError, match="unknown receivers nowhere"):
        Settings(routing=routing)


def test_without_routing_every_receiver_hears_of_every_incident():
    settings = Settings(slack_bot_token="xoxb-test", receivers=load())
    assert settings.routes.receivers() == {receiver.name for receiver in settings.enabled_receivers}


def test_settings_refuse_slack_receivers_without_the_bot_token():
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        Settings(receivers=load())
