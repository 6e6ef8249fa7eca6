"""Signed Alertmanager-style webhooks against a receiver that verifies Standard Webhooks signatures."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from badbuzz.alerts.incidents import Change
from badbuzz.alerts.notify.delivery import RetryPolicy
from badbuzz.alerts.notify.webhook import WebhookConfig, WebhookNotifier, webhook_id
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryRejected
from badbuzz.vocabulary.signals import Severity
from tests.alerts.factories import CRISIS_AT, CRISIS_WINDOW, crisis, crisis_over, notification
from tests.fakes.server import Failure
from tests.fakes.webhook_receiver import SECRET

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, timeout=0.5)


@pytest.fixture
async def notifier(receiver) -> WebhookNotifier:
    notifier = WebhookNotifier("itsm", WebhookConfig(url=receiver.url, secret=SECRET), retry=FAST)
    yield notifier
    await notifier.close()


async def test_a_firing_incident_is_a_signed_alertmanager_webhook(notifier, receiver):
    receipt = await notifier.deliver(notification(), previous=None)

    [(message_id, body)] = receiver.received.items()
    assert receipt.ref == {"webhook_id": message_id}
    assert body["version"] == "4" and body["status"] == "firing" and body["receiver"] == "itsm"
    assert body["groupKey"] == '{}:{brand="nuvola", signal="negative_volume"}'
    assert body["groupLabels"] == {"brand": "nuvola", "signal": "negative_volume"}
    [alert] = body["alerts"]
    assert alert["labels"] == {
        "alertname": "BadBuzz",
        "brand": "nuvola",
        "signal": "negative_volume",
        "severity": "critical",
    }
    assert alert["startsAt"] == "2026-03-02T14:00:00Z" and alert["endsAt"] == "0001-01-01T00:00:00Z"
    assert alert["annotations"]["runbook_url"] == "https://wiki.example/runbooks/nuvola-bad-buzz"
    assert "58 % negative, usually 12 %" in alert["annotations"]["description"]
    assert "#NuvolaPanne 212 (usually 3)" in alert["annotations"]["description"]
    assert alert["generatorURL"].startswith("https://grafana.example/")
    assert body["commonLabels"] == alert["labels"]
    assert body["badbuzz"]["dedupKey"] == "nuvola/negative_volume" and body["badbuzz"]["change"] == "opened"
    assert "😡" in body["alerts"][0]["annotations"]["description"], "sent as UTF-8, not escaped"


async def test_a_resolution_ends_the_same_alert(notifier, receiver):
    await notifier.deliver(notification(), previous=None)
    await notifier.deliver(
        notification(Change.ESCALATED, crisis(revision=2, severity=Severity.CRITICAL)), previous=None
    )
    await notifier.deliver(notification(Change.RESOLVED, crisis_over(revision=3)), previous=None)

    bodies = list(receiver.received.values())
    assert [body["status"] for body in bodies] == ["firing", "firing", "resolved"]
    assert bodies[-1]["alerts"][0]["endsAt"] == (CRISIS_AT + 10 * CRISIS_WINDOW).isoformat().replace("+00:00", "Z")
    assert len({body["alerts"][0]["fingerprint"] for body in bodies}) == 1


async def test_a_redelivery_has_the_same_id_so_the_receiver_drops_it(notifier, receiver):
    first = notification()
    await notifier.deliver(first, previous=None)
    await notifier.deliver(first, previous=None)

    assert len(receiver.received) == 1
    assert receiver.duplicates == [webhook_id(first)]
    assert webhook_id(notification(Change.OPENED, crisis(revision=2))) != webhook_id(first)


async def test_a_wrong_secret_is_refused_for_good(receiver):
    notifier = WebhookNotifier("itsm", WebhookConfig(url=receiver.url, secret="whsec_" + "A" * 32), retry=FAST)
    with pytest.raises(DeliveryRejected, match="401"):
        await notifier.deliver(notification(), previous=None)
    await notifier.close()
    assert receiver.forged == 1 and len(receiver.requests) == 1


async def test_throttling_server_errors_and_timeouts_are_retried_with_fresh_signatures(notifier, receiver):
    receiver.fail_next(
        Failure(429, headers={"Retry-After": "0"}, body="slow down"),
        Failure(500, body="oops"),
    )
    await notifier.deliver(notification(), previous=None)
    receiver.fail_next(Failure(204, delay=1.0))
    await notifier.deliver(notification(Change.UPDATED, crisis(revision=2)), previous=None)

    assert len(receiver.requests) == 5
    assert len(receiver.received) == 2 and receiver.forged == 0


async def test_an_outage_then_recovery_delivers_every_notification_once(notifier, receiver):
    pending = [
        notification(),
        notification(Change.UPDATED, crisis(revision=2)),
        notification(Change.RESOLVED, crisis_over(revision=3)),
    ]
    receiver.down = Failure(503, body="maintenance")
    for item in pending:
        with pytest.raises(ChannelUnavailable):
            await notifier.deliver(item, previous=None)

    receiver.down = None
    for item in pending:
        await notifier.deliver(item, previous=None)

    assert [body["badbuzz"]["change"] for body in receiver.received.values()] == ["opened", "updated", "resolved"]
    assert receiver.duplicates == []


async def test_a_redirect_is_not_followed(receiver):
    receiver.fail_next(Failure(308, headers={"Location": receiver.url}, body=""))
    notifier = WebhookNotifier("itsm", WebhookConfig(url=receiver.url, secret=SECRET), retry=FAST)
    with pytest.raises(DeliveryRejected, match="308"):
        await notifier.deliver(notification(), previous=None)
    await notifier.close()


@pytest.mark.parametrize("secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_c2hvcnQ="])
def test_a_secret_that_is_not_a_standard_webhooks_secret_is_refused(secret):
    with pytest.raises(ValidationError):
        WebhookConfig(url="https://hooks.example/badbuzz", secret=secret)
