"""The PagerDuty notifier against a fake Events API v2 over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from badbuzz.alerts.incidents import Change
from badbuzz.alerts.notify.delivery import Outcome, RetryPolicy
from badbuzz.alerts.notify.pagerduty import PagerDutyConfig, PagerDutyNotifier
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryRejected
from badbuzz.vocabulary.signals import Severity
from tests.alerts.factories import crisis, crisis_over, notification
from tests.fakes.pagerduty import ROUTING_KEY, FakePagerDuty
from tests.fakes.server import Failure, running

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, timeout=0.5)


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with running(FakePagerDuty()) as fake:
        yield fake


@pytest.fixture
def outcomes() -> list[tuple[str, Outcome]]:
    return []


@pytest.fixture
async def notifier(pagerduty, outcomes) -> PagerDutyNotifier:
    notifier = PagerDutyNotifier(
        "oncall",
        PagerDutyConfig(routing_key=ROUTING_KEY, events_url=pagerduty.url),
        retry=FAST,
        observe=lambda channel, outcome: outcomes.append((channel, outcome)),
    )
    yield notifier
    await notifier.close()


async def test_an_incident_triggers_one_alert_with_its_context(notifier, pagerduty, outcomes):
    receipt = await notifier.deliver(notification(), previous=None)

    [alert] = pagerduty.alerts
    [event] = alert.events
    assert event["dedup_key"] == "nuvola/negative_volume" == receipt.ref["dedup_key"]
    payload = event["payload"]
    assert payload["severity"] == "critical" and payload["group"] == "nuvola"
    assert "612 negative mentions in 10 min, usually 40 (33–48); 58 % negative, usually 12 %" in payload["summary"]
    details = payload["custom_details"]
    assert details["emerging_terms"][0] == "#NuvolaPanne 212 (usually 3)"
    assert details["top_posts"][0]["by"].startswith("@claire_b · 2.4M followers")
    assert details["languages"].startswith("fr 71 %")
    assert {link["text"] for link in event["links"]} == {"Dashboard", "Runbook"}
    assert event["client_url"].startswith("https://grafana.example/")
    assert outcomes == [("oncall", Outcome.SENT)]


async def test_the_lifecycle_shares_one_dedup_key(notifier, pagerduty):
    await notifier.deliver(notification(), previous=None)
    await notifier.deliver(notification(Change.ESCALATED, crisis(revision=2)), previous=None)
    await notifier.deliver(
        notification(Change.ACKNOWLEDGED, crisis(revision=3, acknowledged_by="claire")), previous=None
    )
    assert pagerduty.alerts[0].status == "acknowledged"
    await notifier.deliver(notification(Change.RESOLVED, crisis_over(revision=4)), previous=None)

    [alert] = pagerduty.alerts
    assert [event["event_action"] for event in alert.events] == ["trigger", "trigger", "acknowledge", "resolve"]
    assert alert.status == "resolved"
    assert "payload" not in alert.events[-1], "acknowledge and resolve carry only the key"


async def test_a_redelivered_trigger_does_not_page_twice(notifier, pagerduty):
    await notifier.deliver(notification(), previous=None)
    await notifier.deliver(notification(), previous=None)

    [alert] = pagerduty.alerts
    assert len(alert.events) == 2


async def test_a_dismissed_incident_resolves_the_page(notifier, pagerduty):
    await notifier.deliver(notification(), previous=None)
    await notifier.deliver(notification(Change.DISMISSED, crisis(revision=2)), previous=None)
    assert pagerduty.alerts[0].status == "resolved"


@pytest.mark.parametrize(
    ("severity", "expected"),
    [(Severity.INFO, "info"), (Severity.WARNING, "warning"), (Severity.CRITICAL, "critical")],
)
async def test_severities_map_to_pagerduty_levels(notifier, pagerduty, severity, expected):
    await notifier.deliver(notification(Change.OPENED, crisis(severity=severity)), previous=None)
    assert pagerduty.alerts[0].events[0]["payload"]["severity"] == expected


async def test_429_honours_retry_after_and_5xx_is_retried(notifier, pagerduty, outcomes):
    pagerduty.fail_next(
        Failure(429, headers={"Retry-After": "0.2"}, body={"status": "throttle event"}),
        Failure(502, body="<html>Bad gateway</html>"),
    )
    await notifier.deliver(notification(), previous=None)

    assert len(pagerduty.requests) == 3
    assert len(pagerduty.alerts) == 1
    assert [outcome for _, outcome in outcomes] == [Outcome.RETRIED, Outcome.RETRIED, Outcome.SENT]


async def test_a_bad_request_is_rejected_without_retry(pagerduty, outcomes):
    notifier = PagerDutyNotifier(
        "oncall",
        PagerDutyConfig(routing_key="wrong-key", events_url=pagerduty.url),
        retry=FAST,
        observe=lambda channel, outcome: outcomes.append((channel, outcome)),
    )
    with pytest.raises(DeliveryRejected, match="routing_key") as raised:
        await notifier.deliver(notification(), previous=None)
    await notifier.close()

    assert not raised.value.retryable and raised.value.channel == "oncall"
    assert len(pagerduty.requests) == 1
    assert outcomes == [("oncall", Outcome.FAILED)]


async def test_a_hung_server_times_out_and_is_retried(notifier, pagerduty):
    pagerduty.fail_next(Failure(202, delay=1.0))
    await notifier.deliver(notification(), previous=None)

    assert len(pagerduty.requests) == 2
    assert len(pagerduty.alerts) == 1


async def test_a_long_retry_after_is_handed_to_the_delivery_agent(notifier, pagerduty):
    pagerduty.fail_next(Failure(429, headers={"Retry-After": "120"}, body={"status": "throttle event"}))
    with pytest.raises(ChannelUnavailable) as raised:
        await notifier.deliver(notification(), previous=None)
    assert raised.value.retryable and raised.value.retry_after == 120
    assert len(pagerduty.requests) == 1


async def test_an_outage_then_recovery_delivers_every_notification_once(notifier, pagerduty):
    pagerduty.down = Failure(503, body={"status": "unavailable"})
    pending = [notification(), notification(Change.ESCALATED, crisis(revision=2))]
    for item in pending:
        with pytest.raises(ChannelUnavailable):
            await notifier.deliver(item, previous=None)
    assert len(pagerduty.requests) == 2 * FAST.attempts

    pagerduty.down = None
    for item in pending:
        await notifier.deliver(item, previous=None)

    [alert] = pagerduty.alerts
    assert [event["event_action"] for event in alert.events] == ["trigger", "trigger"]


async def test_an_unreachable_service_is_unavailable():
    notifier = PagerDutyNotifier(
        "oncall", PagerDutyConfig(routing_key=ROUTING_KEY, events_url="http://127.0.0.1:9/v2/enqueue"), retry=FAST
    )
    with pytest.raises(ChannelUnavailable):
        await notifier.deliver(notification(), previous=None)
    await notifier.close()
