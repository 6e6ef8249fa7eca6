"""The Opsgenie notifier against a fake Alert API over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from badbuzz.alerts.incidents import Action, Change
from badbuzz.alerts.notify.delivery import Receipt, RetryPolicy
from badbuzz.alerts.notify.opsgenie import OpsgenieConfig, OpsgenieNotifier
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryRejected
from badbuzz.vocabulary.signals import Severity
from tests.alerts.factories import crisis, crisis_over, notification
from tests.fakes.opsgenie import API_KEY, FakeOpsgenie
from tests.fakes.server import Failure, running

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, timeout=0.5)


@pytest.fixture
def opsgenie() -> Iterator[FakeOpsgenie]:
    with running(FakeOpsgenie()) as fake:
        yield fake


def make_notifier(opsgenie: FakeOpsgenie, api_key: str = API_KEY) -> OpsgenieNotifier:
    config = OpsgenieConfig(api_key=SecretStr(api_key), api_url=opsgenie.base_url, team="community-managers")
    return OpsgenieNotifier("opsgenie", config, retry=FAST)


@pytest.fixture
async def notifier(opsgenie) -> OpsgenieNotifier:
    notifier = make_notifier(opsgenie)
    yield notifier
    await notifier.close()


async def test_an_incident_creates_one_alert_with_its_context(notifier, opsgenie):
    receipt = await notifier.deliver(notification(), previous=None)

    [alert] = opsgenie.alerts
    assert alert.alias == "nuvola/negative_volume" == receipt.ref["alias"]
    assert alert.message == "CRITICAL: nuvola negative mentions spiking" and alert.priority == "P1"
    assert "612 negative mentions in 10 min, usually 40 (33–48); 58 % negative, usually 12 %" in alert.description
    assert "@claire_b · 2.4M followers" in alert.description
    assert alert.details["runbook"] == "https://wiki.example/runbooks/nuvola-bad-buzz"
    assert alert.details["emerging_terms"].startswith("#NuvolaPanne 212 (usually 3)")
    assert alert.responders == [{"name": "community-managers", "type": "team"}]
    assert alert.tags == ["nuvola", "negative_volume", "critical"]


async def test_the_lifecycle_notes_changes_acknowledges_and_closes_the_same_alert(notifier, opsgenie):
    receipt: Receipt | None = None
    for change, fields in [
        (Change.OPENED, {"severity": Severity.WARNING}),
        (Change.ESCALATED, {"revision": 2}),
        (Change.ACKNOWLEDGED, {"revision": 3, "acknowledged_by": "claire"}),
        (Change.UPDATED, {"revision": 4, "acknowledged_by": "claire"}),
        (Change.RESOLVED, {"revision": 5, "acknowledged_by": "claire"}),
    ]:
        receipt = await notifier.deliver(
            notification(change, (crisis_over if change is Change.RESOLVED else crisis)(**fields)), previous=receipt
        )

    [alert] = opsgenie.alerts
    assert alert.priority == "P1", "raised from P3 on escalation"
    assert alert.acknowledged and alert.users == ["claire"]
    assert alert.status == "closed"
    assert alert.notes[0].startswith("Escalated to critical: 612 negative mentions")
    assert alert.notes[1] == "Acknowledged by @claire."
    assert alert.notes[-1].startswith("Resolved after 1 h 40 min; peak 612")


async def test_a_change_without_a_previous_alert_creates_it_first(notifier, opsgenie):
    await notifier.deliver(notification(Change.ESCALATED, crisis(revision=2)), previous=None)

    [alert] = opsgenie.alerts
    assert alert.notes == [alert.notes[0]] and alert.notes[0].startswith("Escalated")


async def test_a_redelivered_creation_is_folded_into_the_open_alert(notifier, opsgenie):
    await notifier.deliver(notification(), previous=None)
    await notifier.deliver(notification(), previous=None)

    [alert] = opsgenie.alerts
    assert alert.count == 2


async def test_a_dismissed_incident_closes_the_alert(notifier, opsgenie):
    opened = await notifier.deliver(notification(), previous=None)
    await notifier.deliver(
        notification(Change.DISMISSED, crisis(revision=2, verdict=Action.FALSE_POSITIVE)), previous=opened
    )
    assert opsgenie.alerts[0].status == "closed"
    assert opsgenie.alerts[0].notes == ["Marked not a crisis: the detectors will learn from it."]


async def test_throttling_server_errors_and_timeouts_are_retried(notifier, opsgenie):
    opsgenie.fail_next(
        Failure(429, headers={"Retry-After": "0"}, body={"message": "Too many requests"}),
        Failure(500, body={"message": "Internal error"}),
    )
    opened = await notifier.deliver(notification(), previous=None)
    opsgenie.fail_next(Failure(202, delay=1.0))
    await notifier.deliver(notification(Change.RESOLVED), previous=opened)

    assert len(opsgenie.requests) == 5
    [alert] = opsgenie.alerts
    assert alert.count == 1 and alert.status == "closed"


async def test_a_bad_key_is_rejected_for_good(opsgenie):
    notifier = make_notifier(opsgenie, api_key="not-the-key")
    with pytest.raises(DeliveryRejected, match="401"):
        await notifier.deliver(notification(), previous=None)
    await notifier.close()
    assert len(opsgenie.requests) == 1


async def test_an_outage_then_recovery_delivers_every_notification_once(notifier, opsgenie):
    pending = [notification(), notification(Change.RESOLVED)]
    opsgenie.down = Failure(503, body={"message": "Service unavailable"})
    for item in pending:
        with pytest.raises(ChannelUnavailable):
            await notifier.deliver(item, previous=None)

    opsgenie.down = None
    receipt = None
    for item in pending:
        receipt = await notifier.deliver(item, previous=receipt)

    [alert] = opsgenie.alerts
    assert alert.count == 1 and alert.status == "closed"


def test_the_region_picks_the_api():
    assert OpsgenieConfig(api_key=SecretStr("k")).root == "https://api.opsgenie.com"
    assert OpsgenieConfig(api_key=SecretStr("k"), region="eu").root == "https://api.eu.opsgenie.com"
