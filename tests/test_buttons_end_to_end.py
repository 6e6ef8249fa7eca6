"""The on-call manager's path through Slack's buttons, for real.

A crisis goes through the embedded broker, a worker process and the fake Slack over
HTTP. Each click is built from the buttons of the message the fake Slack received, as
Slack's own ``block_actions`` interaction, signed with the app's signing secret and
posted to the worker's ``/slack/actions``; what changes is read back from Slack's
side (the message edited, the thread notes) and from the incidents topic.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import hmac
import json
import re
import time
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import aiohttp
import pytest

from badbuzz.alerts.incidents import Change, IncidentEvent
from badbuzz.streams.tooling.simulator import Brand, Crisis, MentionSimulator
from badbuzz.streams.topics import INCIDENTS, WINDOW_COUNTS
from badbuzz.vocabulary.records import WindowCount
from tests.conftest import read_topic, wait_for
from tests.test_end_to_end import START, producer_for, slack_settings

SIGNING_SECRET = "e2e-signing-secret-0f9a8b7c6d5e4f3a"
API_TOKEN = "e2e-api-token"
CAMILLE = {"id": "U024BE7LH", "username": "camille", "name": "camille", "team_id": "T0001"}
MARC = {"id": "U07MARC01", "username": "marc", "name": "marc", "team_id": "T0001"}
LEA = {"id": "U07LEA001", "username": "lea", "name": "lea", "team_id": "T0001"}


def block_actions(message: dict, button: dict, user: dict, channel: str) -> dict:
    """Slack's interaction payload for a click on ``button`` of ``message``, as Slack sends it."""
    (block,) = [b for b in message["blocks"] if button in b.get("elements", [])]
    action = {
        "type": "button",
        "block_id": block["block_id"],
        "action_id": button["action_id"],
        "text": button["text"],
        "value": button["value"],
        "action_ts": f"{time.time():.6f}",
    }
    if "style" in button:
        action["style"] = button["style"]
    return {
        "type": "block_actions",
        "user": user,
        "api_app_id": "A0BADBUZZ1",
        "token": "verification-token-slack-no-longer-recommends",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
        "trigger_id": "4866348282.2738298342.9aa1c7d9b2",
        "team": {"id": "T0001", "domain": "acme-social"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "brand-crisis"},
        "message": {"type": "message", "ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
        "state": {"values": {}},
        "response_url": f"https://hooks.slack.com/actions/T0001/{int(time.time())}/x",
        "actions": [action],
    }


def signed_request(payload: dict, secret: str = SIGNING_SECRET) -> tuple[bytes, dict[str, str]]:
    """The form body Slack posts and its signature headers (HMAC-SHA256 of ``v0:<ts>:<body>``)."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
    }
    return body, headers


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async def send() -> int:
        async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as answer:
            return answer.status

    return asyncio.run(send())


class SlackMessage:
    """An incident's message as the channel shows it: the post, then its latest edit, and its thread."""

    def __init__(self, fake_slack, brand: str) -> None:
        self.fake_slack = fake_slack
        self.ts, self.posted = next(
            (ts, body) for ts, body in fake_slack.posted.items() if "thread_ts" not in body and brand in body["text"]
        )

    def now(self) -> dict:
        edits = [update for update in self.fake_slack.updates() if update["ts"] == self.ts]
        return {**(edits[-1] if edits else self.posted), "ts": self.ts}

    def text(self) -> str:
        """Everything the message shows in text."""
        return json.dumps(self.now()["blocks"], ensure_ascii=False)

    def notes(self) -> list[str]:
        return [m["text"] for m in self.fake_slack.messages(threaded=True) if m["thread_ts"] == self.ts]

    def button(self, action_id: str) -> dict:
        found = [
            element
            for block in self.now()["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == action_id
        ]
        assert found, f"no {action_id} button on the message as it stands: {self.text()}"
        return found[0]

    def click(self, worker_url: str, action_id: str, user: dict) -> int:
        payload = block_actions(self.now(), self.button(action_id), user, self.fake_slack.channel_id)
        return post(f"{worker_url}/slack/actions", *signed_request(payload))


def console_page(link: str, worker_url: str) -> str:
    """The page behind ``link``, signed in to the console with the API token as a person would."""

    async def fetch() -> str:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            form = {"token": API_TOKEN, "name": "camille", "next": urlsplit(link).path}
            async with session.post(f"{worker_url}/console/login", data=form) as answer:
                assert answer.status == 200
            async with session.get(link.replace("http://localhost", "http://127.0.0.1")) as answer:
                assert answer.status == 200
                return await answer.text()

    return asyncio.run(fetch())


def incident_events(broker, brand: str, until) -> list[IncidentEvent]:
    def events(records) -> list[IncidentEvent]:
        parsed = (IncidentEvent.model_validate_json(record.value) for record in records)
        return [event for event in parsed if event.incident.brand == brand]

    return events(read_topic(broker, INCIDENTS, lambda records: until(events(records))))


def test_the_buttons_of_the_posted_message_act_on_the_incident(broker, fake_slack, make_worker):
    worker = make_worker(
        broker,
        BADBUZZ_BRANDS="acme,globex",
        BADBUZZ_CONSOLE_ALERTS="false",
        BADBUZZ_ROUTING='{"route": {"receiver": "slack", "group_wait": "0s"}}',
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        BADBUZZ_API_TOKEN=API_TOKEN,
        **slack_settings(fake_slack),
    )
    worker.start().wait_ready()
    worker_url = f"http://127.0.0.1:{worker.env['BADBUZZ_WEB_PORT']}"
    # Two brands, each its own lasting crisis: acme's is real, globex's a false alarm.
    simulators = [
        MentionSimulator(
            brands=(Brand(name, peak_per_minute=30, french=0.6),),
            crises=(Crisis(brand=name, starts_at=START + timedelta(minutes=2), minutes=60),),
            seed=seed,
        )
        for seed, name in enumerate(("acme", "globex"), start=3)
    ]
    producer = producer_for(broker)

    def send(start, end) -> None:
        for m in heapq.merge(*(s.between(start, end) for s in simulators), key=lambda m: m.created_at):
            producer.send_mention(m)
        producer.flush()

    send(START - timedelta(hours=26), START + timedelta(minutes=7))
    wait_for(
        lambda: (
            {b for b in ("acme", "globex") for m in fake_slack.messages(threaded=False) if b in m["text"]}
            == {"acme", "globex"}
        ),
        timeout=240,
        what="both incidents posted",
    )
    acme, globex = SlackMessage(fake_slack, "acme"), SlackMessage(fake_slack, "globex")
    # Without Grafana, the message's Dashboard link opens the incident in the worker's console.
    (link,) = re.findall(r"<(http://localhost:\d+/console/incidents/acme/\w+)\|Dashboard>", acme.text())
    assert "acme" in console_page(link, worker_url)

    # Acknowledge, escalate to PR, confirm: each from the message as it then stands.
    steps = [
        ("acknowledge", CAMILLE, "Acknowledged by @camille", "Acknowledged by @camille."),
        ("escalate", MARC, "escalated to PR by @marc", "Escalated to the PR team by @marc."),
        ("real_crisis", LEA, "verdict: real crisis (@lea)", "Marked a real crisis by @lea."),
    ]
    for action_id, user, shown, note in steps:
        edits = len(fake_slack.updates())
        assert acme.click(worker_url, action_id, user) == 200
        wait_for(
            lambda shown=shown, edits=edits: shown in acme.text() and len(fake_slack.updates()) > edits,
            timeout=30,
            what=shown,
        )
        wait_for(lambda note=note: any(note in n for n in acme.notes()), timeout=30, what=f"the thread note {note!r}")
    assert [b["action_id"] for b in acme.now()["blocks"] if b["type"] == "actions"] == []
    changes = [e.change for e in incident_events(broker, "acme", lambda es: len(es) >= 4 and es[-1].incident.verdict)]
    assert changes[-3:] == [Change.ACKNOWLEDGED, Change.ESCALATED_TO_PR, Change.CONFIRMED]
    confirmed = incident_events(broker, "acme", lambda es: True)[-1].incident
    assert (confirmed.acknowledged_by, confirmed.escalated_by, confirmed.verdict_by) == ("camille", "marc", "lea")

    # Not a crisis: the incident closes, and the watch takes the level as the usual one.
    assert globex.click(worker_url, "false_positive", CAMILLE) == 200
    wait_for(lambda: "verdict: not a crisis (@camille)" in globex.text(), timeout=30, what="the dismissal shown")
    wait_for(lambda: any("Marked not a crisis by @camille" in n for n in globex.notes()), timeout=30, what="its note")
    dismissed = incident_events(broker, "globex", lambda es: es[-1].change is Change.DISMISSED)[-1].incident
    assert dismissed.status == "resolved" and dismissed.verdict == "false_positive"

    # The same crisis goes on for a quarter of an hour: globex stays quiet, acme's incident stays open.
    send(START + timedelta(minutes=7), START + timedelta(minutes=22))
    last = START + timedelta(minutes=20)
    read_topic(
        broker,
        WINDOW_COUNTS,
        lambda rs: any(
            (c := WindowCount.model_validate_json(r.value)).brand == "globex" and c.start >= last and not c.partial
            for r in rs
        ),
    )
    time.sleep(3)  # what the worker does with that window: judging it takes milliseconds
    after = [e for e in incident_events(broker, "globex", lambda es: True) if e.incident.signal == dismissed.signal]
    assert after[-1].change is Change.DISMISSED, [(e.change, e.incident.current.window_start) for e in after]
    headline = f"globex {dismissed.signal.noun} spiking"
    assert [m for m in fake_slack.posted.values() if "thread_ts" not in m and headline in m["text"]] == [globex.posted]
    producer.close()


def test_forged_stale_unsigned_and_oversized_clicks_are_refused_by_the_worker(broker, make_worker):
    worker = make_worker(broker, BADBUZZ_BRANDS="acme", SLACK_SIGNING_SECRET=SIGNING_SECRET)
    worker.start().wait_ready()
    url = f"http://127.0.0.1:{worker.env['BADBUZZ_WEB_PORT']}/slack/actions"
    button = {
        "action_id": "acknowledge",
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "value": f"acme/volume@{START.isoformat()}",
    }
    message = {"ts": "1700000000.000001", "text": "acme", "blocks": [{"block_id": "b", "elements": [button]}]}
    payload = block_actions(message, button, CAMILLE, "C0CRISIS1")
    body, headers = signed_request(payload, secret="not-the-signing-secret")
    assert post(url, body, headers) == 401
    body, headers = signed_request(payload)
    stale = {**headers, "X-Slack-Request-Timestamp": str(int(time.time()) - 600)}
    assert post(url, body, stale) == 401
    assert post(url, body, {"Content-Type": headers["Content-Type"]}) == 401
    huge = urlencode({"payload": "x" * 10_000_000}).encode()
    assert post(url, huge, headers) == 413
    assert post(url, body, headers) == 200, "the same click, well signed, is taken"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # A click goes straight to the worker on loopback.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
