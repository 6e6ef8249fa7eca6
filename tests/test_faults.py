"""Faults against the real pipeline: Slack failing for a while, the broker restarting on durable storage.

Each test keeps a ledger of what the system emitted (the notifications on the
receiver's topic, the mentions sent by partition and offset) and checks that every
entry arrived once and in order; delays are measured and printed, never asserted.
"""

from __future__ import annotations

import time
from datetime import timedelta

from aiohttp import web

from alerts.dispatch import Outbound
from alerts.slack import fallback_text, thread_note
from streams.simulator import Brand, Crisis, MentionSimulator
from streams.topics import notifications_topic
from tests.conftest import read_topic, wait_for
from tests.fakes.slack_api import Failure, FakeSlack
from tests.test_end_to_end import START, producer_for, slack_settings

#: How long Slack answers 500, then how long it drops every connection: scaled down from minutes.
SERVER_ERRORS_SECONDS = 20
DROPPED_SECONDS = 20


class FailingSlack(FakeSlack):
    """The fake Slack, able also to drop each connection without an answer (a crashed load balancer)."""

    dropping = False
    dropped = 0

    @web.middleware
    async def _record_and_fail(self, request: web.Request, handler) -> web.StreamResponse:
        if self.dropping:
            await request.read()
            self.dropped += 1
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("dropped by the test")
        return await super()._record_and_fail(request, handler)


def posts(slack: FakeSlack) -> list:
    return [r for r in slack.requests if r.path.endswith("chat.postMessage")]


def test_slack_failing_for_a_while_gets_every_notification_once_in_order_soon_after_it_recovers(broker, make_worker):
    slack = FailingSlack().start()
    try:
        worker = make_worker(
            broker,
            BADBUZZ_BRANDS="acme",
            BADBUZZ_RESOLVE_AFTER_SECONDS="300",
            BADBUZZ_CONSOLE_ALERTS="false",
            BADBUZZ_ROUTING='{"route": {"receiver": "slack", "group_wait": "0s"}}',
            **slack_settings(slack),
        )
        worker.start().wait_ready()
        slack.down = Failure(500, body={"ok": False, "error": "internal_error"})
        simulator = MentionSimulator(
            brands=(Brand("acme", peak_per_minute=30, french=0.6),),
            crisis=Crisis(brand="acme", starts_at=START + timedelta(minutes=2), minutes=4),
            seed=3,
        )
        producer = producer_for(broker)
        for mention in simulator.between(START - timedelta(hours=26), START + timedelta(minutes=20)):
            producer.send_mention(mention)
        producer.close()

        wait_for(lambda: posts(slack), timeout=240, what="the first notification to be tried")
        time.sleep(SERVER_ERRORS_SECONDS)
        slack.dropping = True
        slack.down = None
        time.sleep(DROPPED_SECONDS)
        tries_while_down = len(posts(slack)) + slack.dropped
        slack.dropping = False
        recovered = time.monotonic()

        outbounds = [
            Outbound.model_validate_json(record.value)
            for record in read_topic(
                broker,
                notifications_topic("slack"),
                lambda rs: any(Outbound.model_validate_json(r.value).event.change == "resolved" for r in rs),
                timeout=240,
            )
        ]
        wait_for(lambda: len(slack.messages()) >= len(outbounds), timeout=120, what="every notification to reach Slack")
        time.sleep(3)  # anything delivered twice has had time to arrive
        delivered = [r for r in posts(slack) if not r.failed]
        delay = delivered[0].at - recovered
        print(
            f"Slack down {SERVER_ERRORS_SECONDS + DROPPED_SECONDS} s ({SERVER_ERRORS_SECONDS} s of 500s, "
            f"{DROPPED_SECONDS} s of dropped connections, {tries_while_down} requests meanwhile): first delivery "
            f"{delay:.1f} s after it recovered, {len(outbounds)} notifications"
        )
        # The ledger: what the worker routed to Slack, against what Slack took, once each and in order.
        assert len({o.event.incident.opened_at for o in outbounds}) == 1
        [top] = slack.messages(threaded=False)
        assert top["text"] == fallback_text(outbounds[0].event)
        assert [m["text"] for m in slack.messages(threaded=True)] == [thread_note(o.event) for o in outbounds[1:]]
        assert len(slack.updates()) == len(outbounds) - 1
        assert tries_while_down > 2, "the channel was tried again while it was down"
        assert worker.process.poll() is None
    finally:
        slack.stop()
