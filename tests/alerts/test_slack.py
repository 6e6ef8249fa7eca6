"""The Slack notifier, with slack-sdk's real AsyncWebClient talking HTTP to a fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.context import IncidentContext
from alerts.delivery import Notification
from alerts.incidents import Change, Incident, IncidentEvent, IncidentStatus, Reading, Signal
from alerts.slack import SlackNotifier, client_from, escape, incident_blocks
from detectors.severity import Severity
from streams.config import Settings
from streams.errors import DeliveryError
from streams.records import Platform, SamplePost
from tests.fakes.slack_api import Failure

OPENED_AT = datetime(2026, 3, 2, 14, 3, tzinfo=UTC)


def incident(**changes) -> Incident:
    reading = Reading(value=612, score=31.4, window_start=OPENED_AT, window_end=OPENED_AT + timedelta(minutes=1))
    fields = dict(
        brand="nuvola",
        signal=Signal.VOLUME,
        status=IncidentStatus.OPEN,
        severity=Severity.CRITICAL,
        revision=1,
        opened_at=OPENED_AT,
        current=reading,
        peak=reading,
        usual=40,
        usual_low=33,
        usual_high=48,
        window_seconds=60,
        context=IncidentContext(
            top_posts=tuple(
                SamplePost(
                    id=f"x:{i}",
                    platform=Platform.X,
                    author=f"influencer{i}",
                    followers=2_400_000 // (i + 1),
                    text=("Nuvola en panne depuis ce matin <!channel> & personne ne répond " * 6)[:280],
                    url=f"https://x.example/status/{i}",
                )
                for i in range(3)
            )
        ),
    )
    return Incident(**{**fields, **changes})


def notification(change: Change = Change.OPENED, **changes) -> Notification:
    return Notification(channel="slack", event=IncidentEvent(change=change, incident=incident(**changes)))


@pytest.fixture
def notifier(fake_slack) -> SlackNotifier:
    settings = Settings(slack_bot_token="xoxb-test-token", slack_channel="#brand-crisis", slack_base_url=fake_slack.url)
    return SlackNotifier(client_from(settings), settings.slack_channel)


async def test_a_new_incident_is_posted_with_blocks_and_a_text_fallback(notifier, fake_slack):
    receipt = await notifier.deliver(notification(), previous=None)

    [posted] = fake_slack.messages()
    assert posted["channel"] == "#brand-crisis"
    assert "nuvola" in posted["text"] and "612" in posted["text"] and "usually 40" in posted["text"]
    assert posted["blocks"][0]["type"] == "header"
    assert receipt.ref == {"channel": fake_slack.channel_id, "ts": "1700000000.000001"}
    assert receipt.revision == 1


async def test_changes_edit_the_message_and_reply_in_its_thread(notifier, fake_slack):
    first = await notifier.deliver(notification(), previous=None)
    resolved = notification(
        Change.RESOLVED, status=IncidentStatus.RESOLVED, revision=2, resolved_at=OPENED_AT + timedelta(minutes=25)
    )
    second = await notifier.deliver(resolved, previous=first)

    assert len(fake_slack.messages(threaded=False)) == 1
    [update] = fake_slack.updates()
    assert (update["channel"], update["ts"]) == (first.ref["channel"], first.ref["ts"])
    [reply] = fake_slack.messages(threaded=True)
    assert reply["thread_ts"] == first.ref["ts"] and reply["reply_broadcast"] is True
    assert "Resolved after 25 min" in reply["text"]
    assert second.ref == first.ref and second.revision == 2


async def test_a_reopened_incident_gets_a_new_message(notifier, fake_slack):
    first = await notifier.deliver(notification(), previous=None)
    await notifier.deliver(notification(opened_at=OPENED_AT + timedelta(hours=2)), previous=first)

    assert len(fake_slack.messages(threaded=False)) == 2
    assert fake_slack.updates() == []


async def test_rate_limits_and_server_errors_are_retried_and_delivered_once(notifier, fake_slack):
    fake_slack.fail_next(
        Failure(429, headers={"Retry-After": "1"}, body={"ok": False, "error": "ratelimited"}),
        Failure(503),
    )
    receipt = await notifier.deliver(notification(), previous=None)

    assert [call.method for call in fake_slack.calls] == ["chat.postMessage"] * 3
    assert receipt.ref["ts"] == "1700000000.000001"


async def test_a_refusal_is_a_delivery_error(fake_slack):
    settings = Settings(slack_bot_token="xoxb-revoked", slack_channel="#brand-crisis", slack_base_url=fake_slack.url)
    with pytest.raises(DeliveryError, match="invalid_auth"):
        await SlackNotifier(client_from(settings), "#brand-crisis").deliver(notification(), previous=None)


async def test_an_unreachable_slack_is_a_delivery_error():
    settings = Settings(slack_bot_token="xoxb-test-token", slack_channel="#c", slack_base_url="http://127.0.0.1:9/api/")
    with pytest.raises(DeliveryError):
        await SlackNotifier(client_from(settings), "#c").deliver(notification(), previous=None)


def test_a_realistic_incident_renders_within_slack_limits():
    event = notification().event
    blocks = incident_blocks(event)
    payload = [block.to_dict() for block in blocks]  # to_dict() validates against Slack's limits

    assert len(payload) <= 50
    text = str(payload)
    assert "@influencer0" in text and "2,400,000 followers" in text
    assert "<!channel>" not in text, "user text must not ping the channel"
    assert len(payload[0]["text"]["text"]) <= 150


def test_escape_neutralises_mrkdwn_control_characters():
    assert escape("<!here> & <https://evil|click>") == "&lt;!here&gt; &amp; &lt;https://evil|click&gt;"
