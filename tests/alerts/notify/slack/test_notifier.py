"""The Slack notifier against a fake Slack over HTTP: post, edit, thread, retry, refuse."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from badbuzz.alerts.incidents import Action, Change
from badbuzz.alerts.notify.delivery import Outcome, RetryPolicy
from badbuzz.alerts.notify.slack.blocks import thread_note
from badbuzz.alerts.notify.slack.client import Pacer, SlackConfig
from badbuzz.alerts.notify.slack.notifier import SlackNotifier
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryRejected
from tests.alerts.factories import CRISIS_AT, CRISIS_WINDOW, crisis, crisis_over, notification
from tests.alerts.notify.slack.payloads import buttons, texts
from tests.fakes.slack_api import TOKEN, Failure

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, max_retry_after=2, timeout=0.5)


@pytest.fixture
def outcomes() -> list[Outcome]:
    return []


def make_notifier(fake_slack, outcomes=None, token: str = TOKEN, **config) -> SlackNotifier:
    return SlackNotifier(
        "crisis-room",
        SlackConfig(channel="#brand-crisis", **config),
        token=SecretStr(token),
        base_url=fake_slack.url,
        retry=FAST,
        observe=(lambda _, outcome: outcomes.append(outcome)) if outcomes is not None else None,
        pacer=Pacer(interval=0.0),
    )


@pytest.fixture
def notifier(fake_slack, outcomes) -> SlackNotifier:
    return make_notifier(fake_slack, outcomes)


async def test_a_new_incident_is_posted_with_its_context_and_a_chart_in_its_thread(notifier, fake_slack, outcomes):
    receipt = await notifier.deliver(notification(), previous=None)

    [posted] = fake_slack.messages()
    assert posted["channel"] == "#brand-crisis"
    assert posted["text"].startswith("CRITICAL: nuvola negative mentions spiking: 612 negative mentions in 10 min")
    assert "58 % negative, usually 12 %" in posted["text"]
    assert posted["blocks"][0]["type"] == "header"
    assert receipt.ref == {"channel": fake_slack.channel_id, "ts": "1700000000.000001"}
    assert receipt.revision == 1
    [chart] = fake_slack.shared_files()
    assert chart.data.startswith(b"\x89PNG") and chart.length == len(chart.data)
    assert (chart.channel, chart.thread_ts) == (fake_slack.channel_id, receipt.ref["ts"])
    assert "usual range of 33–48" in chart.alt_txt
    assert outcomes == [Outcome.SENT]


async def test_the_message_shows_what_deviates_what_drives_it_and_links(notifier, fake_slack):
    await notifier.deliver(notification(), previous=None)
    blocks = texts(fake_slack.messages()[0]["blocks"])

    assert "*612 negative mentions in 10 min* (×15), usually 40 (33–48).\\n58 % negative, usually 12 %." in blocks
    assert "`#NuvolaPanne` 212 (usually 3)" in blocks
    assert "38 % original, 62 % reposts · 14 suspected bots (left out)" in blocks
    assert "fr 71 % · en 24 % · es 3 % · de 1 % · 1 other 0.8 %" in blocks
    assert "@claire_b (x, 2.4M followers): 12 mentions" in blocks
    assert "@claire_b · 2.4M followers · x · reach 1.8M · negative" in blocks
    assert "<https://wiki.example/runbooks/nuvola-bad-buzz|Runbook>" in blocks
    assert "var-brand=nuvola&amp;from=" in blocks, "the dashboard link's & is escaped as Slack asks"
    assert "<!date^1772460000^" in blocks, "times show in each reader's time zone"


async def test_changes_edit_the_message_and_reply_in_its_thread(notifier, fake_slack):
    first = await notifier.deliver(notification(), previous=None)
    second = await notifier.deliver(notification(Change.RESOLVED), previous=first)

    assert len(fake_slack.messages(threaded=False)) == 1
    [update] = fake_slack.updates()
    assert (update["channel"], update["ts"]) == (first.ref["channel"], first.ref["ts"])
    assert "Back to normal after 1 h 40 min." in texts(update["blocks"])
    [reply] = fake_slack.messages(threaded=True)
    assert reply["thread_ts"] == first.ref["ts"] and reply["reply_broadcast"] is True
    assert reply["text"] == (
        ":white_check_mark: Resolved after 1 h 40 min; peak 612 negative mentions in 10 min, "
        "usually 40 (33–48); 58 % negative, usually 12 %."
    )
    assert second.ref == first.ref and second.revision == 2
    assert [file.thread_ts for file in fake_slack.shared_files()] == [first.ref["ts"]] * 2, (
        "a chart of the whole crisis"
    )


async def test_an_acknowledgement_shows_on_the_message_and_in_the_thread(notifier, fake_slack):
    first = await notifier.deliver(notification(), previous=None)
    await notifier.deliver(
        notification(Change.ACKNOWLEDGED, crisis(revision=2, acknowledged_by="U024BE7LH")), previous=first
    )

    [update] = fake_slack.updates()
    assert "Acknowledged by <@U024BE7LH>" in texts(update["blocks"])
    assert Action.ACKNOWLEDGE not in [button["action_id"] for button in buttons(update["blocks"])]
    [reply] = fake_slack.messages(threaded=True)
    assert reply["text"] == ":eyes: Acknowledged by <@U024BE7LH>." and reply["reply_broadcast"] is False
    assert len(fake_slack.shared_files()) == 1, "no new chart for an acknowledgement"


async def test_a_reopened_incident_gets_a_new_message(notifier, fake_slack):
    first = await notifier.deliver(notification(), previous=None)
    await notifier.deliver(notification(Change.OPENED, crisis(opened_at=CRISIS_AT + 2 * CRISIS_WINDOW)), previous=first)

    assert len(fake_slack.messages(threaded=False)) == 2
    assert fake_slack.updates() == []


async def test_a_deleted_message_is_posted_anew(notifier, fake_slack):
    first = await notifier.deliver(notification(), previous=None)
    fake_slack.fail_next(Failure(200, body={"ok": False, "error": "message_not_found"}))
    second = await notifier.deliver(notification(Change.ESCALATED, crisis(revision=2)), previous=first)

    assert len(fake_slack.messages(threaded=False)) == 2
    assert second.ref["ts"] != first.ref["ts"]


async def test_rate_limits_and_server_errors_are_retried_and_delivered_once(notifier, fake_slack, outcomes):
    fake_slack.fail_next(
        Failure(429, headers={"Retry-After": "1"}, body={"ok": False, "error": "ratelimited"}),
        Failure(503),
    )
    receipt = await notifier.deliver(notification(), previous=None)

    assert [call.method for call in fake_slack.calls][:3] == ["chat.postMessage"] * 3
    assert len(fake_slack.messages(threaded=False)) == 1 and receipt.ref["ts"] == "1700000000.000001"
    assert outcomes == [Outcome.RETRIED, Outcome.RETRIED, Outcome.SENT]


async def test_a_long_retry_after_is_handed_to_the_delivery_agent(notifier, fake_slack):
    fake_slack.fail_next(Failure(429, headers={"Retry-After": "90"}, body={"ok": False, "error": "ratelimited"}))
    with pytest.raises(ChannelUnavailable) as raised:
        await notifier.deliver(notification(), previous=None)
    assert raised.value.retry_after == 90 and raised.value.retryable
    assert len(fake_slack.calls) == 1


async def test_a_refusal_is_rejected_for_good(fake_slack, outcomes):
    with pytest.raises(DeliveryRejected, match="invalid_auth") as raised:
        await make_notifier(fake_slack, outcomes, token="xoxb-revoked").deliver(notification(), previous=None)
    assert raised.value.channel == "crisis-room" and not raised.value.retryable
    assert outcomes == [Outcome.FAILED]


async def test_a_hung_slack_times_out_as_unavailable(notifier, fake_slack):
    fake_slack.fail_next(Failure(200, body={"ok": True}, delay=1.5))
    with pytest.raises(ChannelUnavailable):
        await notifier.deliver(notification(), previous=None)


async def test_an_unreachable_slack_is_unavailable():
    notifier = SlackNotifier(
        "crisis-room",
        SlackConfig(channel="#c"),
        token=SecretStr(TOKEN),
        base_url="http://127.0.0.1:9/api/",
        retry=FAST,
    )
    with pytest.raises(ChannelUnavailable):
        await notifier.deliver(notification(), previous=None)


async def test_an_outage_then_recovery_delivers_every_notification_once(notifier, fake_slack):
    opened = await notifier.deliver(notification(), previous=None)
    pending = [
        notification(Change.ESCALATED, crisis(revision=2)),
        notification(Change.RESOLVED, crisis_over(revision=3)),
    ]
    fake_slack.down = Failure(503)
    for item in pending:
        with pytest.raises(ChannelUnavailable):
            await notifier.deliver(item, previous=opened)

    fake_slack.down = None
    previous = opened
    for item in pending:
        previous = await notifier.deliver(item, previous=previous)

    assert len(fake_slack.messages(threaded=False)) == 1
    assert [reply["text"] for reply in fake_slack.messages(threaded=True)] == [
        thread_note(item.event) for item in pending
    ]
    assert len(fake_slack.updates()) == 2


async def test_a_chart_that_fails_does_not_fail_the_delivery(notifier, fake_slack, outcomes):
    fake_slack.errors["files.getUploadURLExternal"] = "missing_scope"
    receipt = await notifier.deliver(notification(), previous=None)

    assert receipt.ref["ts"] and len(fake_slack.messages()) == 1
    assert fake_slack.shared_files() == [] and outcomes == [Outcome.SENT]


async def test_messages_to_one_channel_are_paced(fake_slack):
    notifier = make_notifier(fake_slack, charts=False)
    notifier.pacer = Pacer(interval=0.2)
    first = await notifier.deliver(notification(), previous=None)
    for revision in (2, 3):
        await notifier.deliver(notification(Change.UPDATED, crisis(revision=revision)), previous=first)

    posts = [request.at for request in fake_slack.requests if request.path == "/api/chat.postMessage"]
    assert len(posts) == 3
    assert all(later - earlier >= 0.19 for earlier, later in zip(posts, posts[1:]))
