"""Receivers as configured in YAML, and the notifiers they make."""

from __future__ import annotations

import pytest
import yaml
from pydantic import SecretStr, TypeAdapter, ValidationError

from badbuzz.alerts.notify.channels import notifiers_from
from badbuzz.alerts.notify.console import ConsoleNotifier
from badbuzz.alerts.notify.email import EmailNotifier
from badbuzz.alerts.notify.opsgenie import OpsgenieNotifier
from badbuzz.alerts.notify.pagerduty import PagerDutyNotifier
from badbuzz.alerts.notify.receivers import CONSOLE, Receiver, notifier_for
from badbuzz.alerts.notify.slack.notifier import SlackNotifier
from badbuzz.alerts.notify.webhook import WebhookNotifier
from badbuzz.streams.config import Settings

RECEIVERS = """
receivers:
  - name: crisis-room
    slack: {channel: "#brand-crisis"}
  - name: pr-team
    slack: {channel: "C0PRTEAM1", charts: false}
  - name: oncall
    pagerduty: {routing_key: R0UT1NGKEY0123456789ABCDEF012345}
    retry: {attempts: 5, backoff: 1.0, max_retry_after: 60}
  - name: opsgenie-eu
    opsgenie: {api_key: eb243592-faa2-4ba2-a551-1afdf565c889, region: eu, team: community}
  - name: itsm
    webhook:
      url: https://itsm.example/hooks/badbuzz
      secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  - name: pr-mail
    email:
      host: smtp.brand.example
      port: 587
      username: badbuzz
      password: hunter2
      sender: "badbuzz <alerts@brand.example>"
      to: [pr@brand.example, direction@brand.example]
"""

receivers_adapter = TypeAdapter(tuple[Receiver, ...])


def load(text: str = RECEIVERS) -> tuple[Receiver, ...]:
    return receivers_adapter.validate_python(yaml.safe_load(text)["receivers"])


def test_yaml_receivers_are_typed_with_their_secrets_hidden():
    receivers = load()

    assert [receiver.kind for receiver in receivers] == ["slack", "slack", "pagerduty", "opsgenie", "webhook", "email"]
    oncall = receivers[2]
    assert isinstance(oncall.pagerduty.routing_key, SecretStr)
    assert "R0UT1NGKEY" not in repr(oncall) and "hunter2" not in repr(receivers[5])
    assert oncall.retry.attempts == 5 and receivers[0].retry.attempts == 4
    assert receivers[3].opsgenie.root == "https://api.eu.opsgenie.com"
    assert receivers[5].email.to == ("pr@brand.example", "direction@brand.example")


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ({"name": "nothing"}, "exactly one"),
        (
            {"name": "two", "slack": {"channel": "#a"}, "webhook": {"url": "u", "secret": "whsec_x"}},
            "exactly one|whsec",
        ),
        ({"name": "Crisis Room", "slack": {"channel": "#a"}}, "pattern"),
        ({"name": "typo", "slack": {"chanel": "#a"}}, "chanel"),
        ({"name": "mail", "email": {"host": "smtp", "sender": "a@b.c", "to": []}}, "to"),
        ({"name": "hook", "webhook": {"url": "https://x", "secret": "not-a-secret"}}, "whsec_"),
    ],
)
def test_a_wrong_receiver_is_refused_with_the_reason(entry, error):
    with pytest.raises(ValidationError, match=error):
        Receiver.model_validate(entry)


def test_each_receiver_makes_its_notifier():
    made = [notifier_for(receiver, slack_token=SecretStr("xoxb-test")) for receiver in (CONSOLE, *load())]

    assert [type(notifier.notifier) for notifier in made] == [
        ConsoleNotifier,
        SlackNotifier,
        SlackNotifier,
        PagerDutyNotifier,
        OpsgenieNotifier,
        WebhookNotifier,
        EmailNotifier,
    ]
    assert [notifier.name for notifier in made] == ["console", *(receiver.name for receiver in load())]


def test_slack_receivers_need_the_bot_token():
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        notifier_for(load()[0])


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
