"""Receivers as configured in YAML, and the notifiers they make."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from badbuzz.alerts.notify.console import ConsoleNotifier
from badbuzz.alerts.notify.email import EmailNotifier
from badbuzz.alerts.notify.opsgenie import OpsgenieNotifier
from badbuzz.alerts.notify.pagerduty import PagerDutyNotifier
from badbuzz.alerts.notify.receivers import CONSOLE, Receiver, notifier_for
from badbuzz.alerts.notify.slack.notifier import SlackNotifier
from badbuzz.alerts.notify.webhook import WebhookNotifier
from tests.alerts.notify.receiver_examples import load


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
