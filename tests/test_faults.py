"""Faults against the real pipeline: Slack failing for a while, the broker restarting on durable storage.

Each test keeps a ledger of what the system emitted (the notifications on the
receiver's topic, the mentions sent by partition and offset) and checks that every
entry arrived once and in order; delays are measured and printed, never asserted.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from kafka import KafkaProducer

from badbuzz.alerts.notify.slack import fallback_text, thread_note
from badbuzz.alerts.policy.dispatch import Outbound
from badbuzz.streams.tooling.broker import EmbeddedBroker, free_port
from badbuzz.streams.tooling.processes import spawn, stop
from badbuzz.streams.tooling.simulator import Brand, Crisis, MentionSimulator
from badbuzz.streams.topics import MENTIONS, WINDOW_COUNTS, notifications_topic
from badbuzz.vocabulary.records import WindowCount
from tests.conftest import read_topic, wait_for
from tests.fakes.slack_api import Failure, FakeSlack
from tests.test_end_to_end import START, counts_of, mention, producer_for, slack_settings

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
            crises=(Crisis(brand="acme", starts_at=START + timedelta(minutes=2), minutes=4),),
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


S3RVER_ENV = "BADBUZZ_S3RVER_BIN"


def find_s3rver() -> str | None:
    return os.environ.get(S3RVER_ENV) or shutil.which("s3rver")


@pytest.fixture
def s3rver(tmp_path: Path) -> Iterator[str]:
    """A local S3 (the s3rver npm package) with a ``tansu`` bucket; its URL."""
    binary = find_s3rver()
    if binary is None:
        pytest.skip(f"s3rver not found: `npm install s3rver` and put it on PATH, or set {S3RVER_ENV} (CI installs it)")
    port = free_port()
    (tmp_path / "s3").mkdir()
    process = spawn(
        [binary, "--directory", str(tmp_path / "s3"), "--address", "127.0.0.1", "--port", str(port)]
        + ["--configure-bucket", "tansu", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _listening(port), timeout=30, what="s3rver to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.mark.xfail(
    strict=True,
    reason="Tansu 0.6 on s3rver starts its offsets again at 0 after a restart and overwrites the stored "
    "batches (batch 0 of badbuzz.mentions holds the 151st mention afterwards): the broker loses what it had, "
    "the worker (which rejoins and recovers by itself) waits at its committed offsets. Tansu asks for an S3 "
    "with conditional PUTs; s3rver may not honour them.",
)
def test_a_broker_restart_on_durable_storage_loses_no_mention_and_the_worker_reconnects(s3rver, tmp_path, make_worker):
    broker = EmbeddedBroker(
        log_path=tmp_path / "broker.log",
        storage="s3://tansu/",
        env={
            "AWS_ENDPOINT": s3rver,
            "AWS_ACCESS_KEY_ID": "S3RVER",
            "AWS_SECRET_ACCESS_KEY": "S3RVER",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
        },
    ).start()
    try:
        worker = make_worker(broker, BADBUZZ_BRANDS="acme", BADBUZZ_WINDOW_SECONDS="10", BADBUZZ_LATENESS_SECONDS="5")
        worker.start().wait_ready()
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
        start -= timedelta(seconds=start.timestamp() % 10)
        # Mentions 2 s apart in event time, half before the restart and half after.
        sent: dict[datetime, set[str]] = defaultdict(set)

        def send(first: int, count: int) -> None:
            # One record per batch: the embedded broker miscounts offsets of multi-record batches.
            producer = KafkaProducer(bootstrap_servers=[broker.url.removeprefix("kafka://")], batch_size=1)
            for i in range(first, first + count):
                at = start + timedelta(seconds=2 * i)
                raw = mention("acme", f"r:{i}", at).model_dump_json().encode()
                producer.send(MENTIONS, value=raw, key=b"acme").get(timeout=30)
                sent[datetime.fromtimestamp(at.timestamp() // 10 * 10, UTC)].add(f"r:{i}")
            producer.close()

        send(0, 150)
        read_topic(broker, WINDOW_COUNTS, lambda rs: len(rs) >= 5, timeout=120)
        broker.stop()
        time.sleep(5)
        broker.start()
        restarted = time.monotonic()
        send(150, 150)
        records = read_topic(broker, WINDOW_COUNTS, lambda rs: set(sent) <= set(counts_of(rs, "acme")), timeout=60)
        print(f"every window published {time.monotonic() - restarted:.1f} s after the broker came back")
        counts = counts_of(records, "acme")
        # The ledger: every mention sent counted in its window, before or after the restart.
        assert {start: counts[start].volume + counts[start].suspected_bots for start in sent} == {
            start: len(ids) for start, ids in sent.items()
        }
        published = Counter(WindowCount.model_validate_json(r.value).start for r in records)
        print(
            f"windows published twice: {sum(n > 1 for n in published.values())}, duplicates "
            f"{sum(c.duplicates for c in counts.values())}, late {sum(c.late for c in counts.values())}"
        )
        assert worker.process.poll() is None, "the worker stayed up through the restart"
    finally:
        broker.stop()
