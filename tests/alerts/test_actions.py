"""People's actions: Slack's signed button clicks and the JSON API over real HTTP, and their effect."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from badbuzz.alerts.actions import ACTIONS_BLOCK_ID, IncidentActions, apply
from badbuzz.alerts.incidents import Action, Change, IncidentEvent, IncidentFeedback, IncidentStatus
from badbuzz.alerts.notify.slack.blocks import incident_blocks
from badbuzz.alerts.policy.matchers import incident_labels
from badbuzz.vocabulary.signals import Severity
from tests.alerts.factories import OPENED_AT, incident

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "api-token-for-tests"


class Endpoint:
    """Our endpoints on a real aiohttp server on a free loopback port; what they publish is kept."""

    def __init__(self, server: TestServer, published: list[IncidentFeedback]) -> None:
        self.server = server
        self.published = published

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict | None]:
        async with aiohttp.ClientSession() as session:
            async with session.post(self.server.make_url(path), data=body, headers=headers) as response:
                text = await response.text()
                return response.status, json.loads(text) if text else None


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    published: list[IncidentFeedback] = []

    async def publish(feedback: IncidentFeedback) -> None:
        published.append(feedback)

    actions = IncidentActions(publish, signing_secret=SECRET, api_token=TOKEN)
    app = web.Application()
    app.add_routes(actions.routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield Endpoint(server, published)
    await server.close()


def slack_body(action_id: str, value: str, user: dict | None = None) -> bytes:
    """A block_actions interaction as Slack posts it: form-encoded, its JSON in the ``payload`` field."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "acme-social"},
        "user": user or {"id": "U024BE7LH", "username": "camille", "name": "camille", "team_id": "T0001"},
        "api_app_id": "A0001",
        "trigger_id": "12466734323.1395872398",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C0CRISIS1"},
        "channel": {"id": "C0CRISIS1", "name": "crisis"},
        "response_url": "https://hooks.slack.com/actions/T0001/1/abc",
        "actions": [
            {
                "type": "button",
                "block_id": ACTIONS_BLOCK_ID,
                "action_id": action_id,
                "value": value,
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "action_ts": "1700000100.000001",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    """Headers as Slack signs a request: HMAC-SHA256 of ``v0:<timestamp>:<body>`` with the signing secret."""
    timestamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


VALUE = incident().ref


async def test_a_signed_click_is_published_as_feedback(endpoint):
    body = slack_body("acknowledge", VALUE)
    status, reply = await endpoint.post("/slack/actions", body, signed(body))
    assert (status, reply) == (200, None)
    (feedback,) = endpoint.published
    assert (feedback.dedup_key, feedback.opened_at, feedback.action, feedback.user) == (
        "acme/volume",
        OPENED_AT,
        Action.ACKNOWLEDGE,
        "camille",
    )
    assert abs(feedback.at - datetime.now(UTC)) < timedelta(minutes=1)


async def test_a_forged_signature_is_refused(endpoint):
    body = slack_body("false_positive", VALUE)
    status, reply = await endpoint.post("/slack/actions", body, signed(body, secret="not-the-secret"))
    assert status == 401 and "signature" in reply["error"]
    tampered = slack_body("false_positive", VALUE, user={"id": "U0EVIL", "username": "mallory"})
    status, _ = await endpoint.post("/slack/actions", tampered, signed(body))
    assert status == 401
    assert endpoint.published == []


async def test_a_stale_request_is_refused_even_well_signed(endpoint):
    body = slack_body("escalate", VALUE)
    status, _ = await endpoint.post("/slack/actions", body, signed(body, at=time.time() - 6 * 60))
    assert status == 401
    status, _ = await endpoint.post("/slack/actions", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    assert endpoint.published == []


@pytest.mark.parametrize(
    "body",
    [
        slack_body("snooze", VALUE),
        slack_body("acknowledge", "acme/volume"),  # no opening time: which incident?
        slack_body("acknowledge", "acme/buzz@2026-03-02T14:03:00+00:00"),
        urlencode({"payload": json.dumps({"type": "view_submission"})}).encode(),
        b"payload=not-json",
    ],
)
async def test_a_well_signed_but_malformed_payload_is_a_bad_request(endpoint, body):
    status, reply = await endpoint.post("/slack/actions", body, signed(body))
    assert status == 400 and reply["error"]
    assert endpoint.published == []


def api_headers(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def test_the_json_api_publishes_feedback_with_a_bearer_token(endpoint):
    body = json.dumps({"action": "real_crisis", "user": "ops-bot", "opened_at": OPENED_AT.isoformat()}).encode()
    status, reply = await endpoint.post("/api/incidents/acme/volume/actions", body, api_headers())
    assert status == 202
    (feedback,) = endpoint.published
    assert reply == feedback.model_dump(mode="json")
    assert (feedback.dedup_key, feedback.action, feedback.user) == ("acme/volume", Action.REAL_CRISIS, "ops-bot")


OPENED = OPENED_AT.isoformat()


@pytest.mark.parametrize(
    ("path", "body", "headers", "status"),
    [
        ("acme/volume", {"action": "acknowledge", "user": "a", "opened_at": OPENED}, api_headers("wrong"), 401),
        ("acme/volume", {"action": "acknowledge", "user": "a", "opened_at": OPENED}, {}, 401),
        ("acme/volume", {"action": "snooze", "user": "a", "opened_at": OPENED}, api_headers(), 400),
        ("acme/volume", {"action": "acknowledge", "user": "a"}, api_headers(), 400),
        ("acme/volume", {"action": "acknowledge", "user": "a", "opened_at": "2026-03-02T14:03"}, api_headers(), 400),
        ("acme/buzz", {"action": "acknowledge", "user": "a", "opened_at": OPENED}, api_headers(), 400),
    ],
)
async def test_the_json_api_refuses_bad_calls(endpoint, path, body, headers, status):
    answer, reply = await endpoint.post(f"/api/incidents/{path}/actions", json.dumps(body).encode(), headers)
    assert answer == status and reply["error"]
    assert endpoint.published == []


async def test_endpoints_without_their_secret_are_off():
    async def publish(feedback: IncidentFeedback) -> None:
        raise AssertionError("nothing is published by an endpoint that is off")

    actions = IncidentActions(publish, signing_secret=None, api_token=None)
    body = slack_body("acknowledge", VALUE)
    assert (await actions.from_slack(body, signed(body))).status == 503
    assert (await actions.from_api("acme/volume", b"{}", api_headers())).status == 503


@pytest.mark.parametrize("action", list(Action))
async def test_every_button_of_the_slack_message_is_taken_by_the_endpoint(endpoint, action):
    """The two halves together: what the Slack message carries is what the endpoint parses."""
    subject = incident()
    rendered = [block.to_dict() for block in incident_blocks(IncidentEvent(change=Change.OPENED, incident=subject))]
    (button,) = [
        element
        for block in rendered
        if block["type"] == "actions" and block["block_id"] == ACTIONS_BLOCK_ID
        for element in block["elements"]
        if element["action_id"] == action
    ]
    body = slack_body(button["action_id"], button["value"])
    status, _ = await endpoint.post("/slack/actions", body, signed(body))
    assert status == 200
    (feedback,) = endpoint.published
    assert (feedback.dedup_key, feedback.opened_at, feedback.action) == (subject.dedup_key, subject.opened_at, action)


# Applying feedback to the incident


def feedback(action: Action, user: str = "camille", opened_at: datetime = OPENED_AT) -> IncidentFeedback:
    return IncidentFeedback(
        dedup_key="acme/volume", opened_at=opened_at, action=action, user=user, at=OPENED_AT + timedelta(minutes=9)
    )


def test_acknowledging_records_who_once():
    acknowledged, change = apply(incident(revision=3), feedback(Action.ACKNOWLEDGE))
    assert (change.change, acknowledged.acknowledged_by, acknowledged.revision) == (Change.ACKNOWLEDGED, "camille", 4)
    assert apply(acknowledged, feedback(Action.ACKNOWLEDGE, "bob")) == (acknowledged, None)


def test_escalating_makes_the_incident_routable_to_the_pr_team():
    escalated, change = apply(incident(), feedback(Action.ESCALATE))
    assert change.change is Change.ESCALATED_TO_PR
    assert (escalated.escalated_by, escalated.acknowledged_by) == ("camille", "camille")
    assert incident_labels(escalated, None)["escalated"] == "true"


def test_not_a_crisis_closes_the_incident_and_a_verdict_can_be_changed():
    dismissed, change = apply(incident(severity=Severity.CRITICAL), feedback(Action.FALSE_POSITIVE))
    assert change.change is Change.DISMISSED
    assert (dismissed.status, dismissed.resolved_at, dismissed.verdict) == (
        IncidentStatus.RESOLVED,
        OPENED_AT + timedelta(minutes=9),
        Action.FALSE_POSITIVE,
    )
    confirmed, change = apply(dismissed, feedback(Action.REAL_CRISIS, "bob"))
    assert (change.change, confirmed.verdict, confirmed.acknowledged_by) == (
        Change.CONFIRMED,
        Action.REAL_CRISIS,
        "camille",
    )
    assert apply(confirmed, feedback(Action.REAL_CRISIS)) == (confirmed, None)


def test_a_click_on_an_older_incidents_message_changes_nothing():
    current = incident(opened_at=OPENED_AT + timedelta(days=2))
    assert apply(current, feedback(Action.FALSE_POSITIVE)) == (current, None)
