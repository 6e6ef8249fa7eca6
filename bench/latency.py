"""From a crisis's first mention to Slack: how long the on-call community manager waits.

Starts the embedded broker, one ``badbuzz worker`` with the default settings and a fake
Slack over HTTP (the real slack-sdk client posts to it). Brands of several sizes get a
day and two hours of history, sent at once, so the detectors know their rhythm; then
mentions stream live, and seeded crises start one after the other, one brand each:
floods of ×2, ×5 and ×20 the brand's volume, and a shift of tone from 20 % to 60 %
negative at the same volume. Two brands keep quiet throughout: any incident about
them, or about a brand before its crisis, is a false alert.

For each crisis it prints the time from its first mention to Slack's receipt of the
``chat.postMessage`` that opened its incident, and where that time went, read from
the timestamps of the records on the pipeline's own topics:

- ingest: first crisis mention → the window count that opened the incident is published
  (the window filling and closing, plus its lateness; or, judged early, the snapshot of the
  window still open that opened it);
- detection: that window count → the incident event;
- routing: the incident event → the notification for Slack's receiver (group wait, caps);
- delivery: that notification → Slack's receipt.

Prints a table; asserts nothing.

    python bench/latency.py --crises 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kafka import KafkaConsumer

# The fake Slack of the tests: the same server the end-to-end tests run against.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from badbuzz.alerts.incidents import IncidentEvent  # noqa: E402
from badbuzz.alerts.policy.dispatch import Outbound  # noqa: E402
from badbuzz.streams.tooling.broker import EmbeddedBroker, free_port  # noqa: E402
from badbuzz.streams.tooling.feed import MentionProducer, simulate  # noqa: E402
from badbuzz.streams.tooling.processes import WorkerProcess  # noqa: E402
from badbuzz.streams.tooling.simulator import Brand, Crisis, MentionSimulator, utc_now  # noqa: E402
from badbuzz.streams.topics import INCIDENTS, MENTIONS, WINDOW_COUNTS, notifications_topic  # noqa: E402
from badbuzz.vocabulary.records import WindowCount  # noqa: E402
from tests.fakes.slack_api import FakeSlack  # noqa: E402

RECEIVER = "slack"
#: Busiest-hour mentions per minute of the brands, in turn: from a small brand to a national one.
SIZES = (5.0, 10.0, 20.0, 40.0)
#: The crises, in turn: (label, scale of the volume, negative share at the same volume).
KINDS = (("flood ×2", 2.0, None), ("flood ×5", 5.0, None), ("flood ×20", 20.0, None), ("tone 20→60 %", None, 0.6))
QUIET_BRANDS = ("quiet-a", "quiet-b")


@dataclass
class Timing:
    kind: str
    brand: str
    first_mention: datetime
    window_published: float | None = None
    incident: float | None = None
    routed: float | None = None
    slack: float | None = None
    #: For a crisis that did not reach Slack: what the pipeline saw of it.
    seen: str = ""

    def total(self) -> float | None:
        return None if self.slack is None else self.slack - self.first_mention.timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crises", type=int, default=20)
    parser.add_argument("--spacing", type=float, default=15.0, help="seconds between two crises' starts")
    parser.add_argument("--minutes", type=float, default=8.0, help="how long each crisis holds")
    parser.add_argument("--wait", type=float, default=300.0, help="seconds a crisis may take to reach Slack")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    crisis_brands = [
        Brand(f"brand{i:02d}", peak_per_minute=SIZES[i % len(SIZES)], french=0.6) for i in range(args.crises)
    ]
    brands = tuple(crisis_brands) + tuple(Brand(name, peak_per_minute=10.0, french=0.6) for name in QUIET_BRANDS)
    workdir = Path(tempfile.mkdtemp(prefix="badbuzz-latency-"))
    slack = FakeSlack().start()
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        env = {
            **os.environ,
            **broker.env,
            "BADBUZZ_BRANDS": ",".join(brand.name for brand in brands),
            "BADBUZZ_DATA_DIR": str(workdir / "state"),
            "BADBUZZ_WEB_PORT": str(free_port()),
            "BADBUZZ_CONSOLE_ALERTS": "false",
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "BADBUZZ_SLACK_CHANNEL": "#brand-crisis",
            "BADBUZZ_SLACK_BASE_URL": slack.url,
        }
        worker = WorkerProcess(env, log_path=workdir / "worker.log").start().wait_ready(timeout=120)
        servers = [broker.url.removeprefix("kafka://")]
        producer = MentionProducer(servers, MENTIONS)
        recorded = TopicRecorder(servers, [WINDOW_COUNTS, INCIDENTS, notifications_topic(RECEIVER)])

        history_end = utc_now().replace(microsecond=0)
        started = time.perf_counter()
        sent = _send(producer, MentionSimulator(brands, seed=args.seed), history_end - timedelta(hours=26), history_end)
        _wait_for_windows(recorded, [b.name for b in brands], history_end - timedelta(minutes=5))
        took = time.perf_counter() - started
        print(f"history: {sent:,} mentions of {len(brands)} brands over 26 h, ingested in {took:.0f} s")

        live_start = utc_now().replace(microsecond=0)
        crises = tuple(
            Crisis(
                brand=brand.name,
                starts_at=live_start + timedelta(seconds=60 + i * args.spacing),
                minutes=args.minutes,
                ramp_seconds=10.0,
                peak_per_minute=0.0,
                scale=KINDS[i % len(KINDS)][1],
                negative_share=KINDS[i % len(KINDS)][2],
            )
            for i, brand in enumerate(crisis_brands)
        )
        calm = MentionSimulator(brands, seed=args.seed)
        live = MentionSimulator(brands, crises=crises, seed=args.seed)
        timings = {
            crisis.brand: Timing(KINDS[i % len(KINDS)][0], crisis.brand, _first_crisis_mention(calm, live, crisis))
            for i, crisis in enumerate(crises)
        }
        # Mentions as they happen, from where the history ended (the gap is sent at once).
        until = crises[-1].starts_at + timedelta(seconds=args.wait)
        simulate(live, producer, history=utc_now() - history_end, until=until)
        producer.close()
        time.sleep(5)
        recorded.stop()
        false_alerts = _read_timings(recorded, timings, slack, since=live_start)
        worker.stop()
    slack.stop()
    _report(list(timings.values()), false_alerts, args)


def _send(producer: MentionProducer, simulator: MentionSimulator, start: datetime, end: datetime) -> int:
    sent = 0
    for mention in simulator.between(start, end):
        producer.send_mention(mention)
        sent += 1
    producer.flush()
    return sent


def _first_crisis_mention(calm: MentionSimulator, live: MentionSimulator, crisis: Crisis) -> datetime:
    """When the crisis's first mention was created: the first one the calm stream does not have."""
    at = crisis.starts_at
    while True:
        step = (at, at + timedelta(seconds=1))
        usual = {(m.created_at, m.text) for m in calm.between(*step) if m.brand == crisis.brand}
        ours = [(m.created_at, m.text) for m in live.between(*step) if m.brand == crisis.brand]
        new = [created for created, text in ours if (created, text) not in usual]
        if new:
            return min(new)
        at += timedelta(seconds=1)


def _wait_for_windows(recorded: TopicRecorder, brands: list[str], until: datetime, timeout: float = 1800.0) -> None:
    """Until every brand has a closed window reaching ``until``: the worker has caught up with the history."""
    waiting, seen = set(brands), 0
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        time.sleep(1.0)
        records = recorded.of(WINDOW_COUNTS)
        for record in records[seen:]:
            window = WindowCount.model_validate_json(record.value)
            if window.end >= until:
                waiting.discard(window.brand)
        seen = len(records)
    if waiting:
        raise SystemExit(f"the worker did not catch up with the history of {sorted(waiting)} in {timeout:.0f} s")


class TopicRecorder:
    """Every record of some topics, read from the start in a thread while the run goes on."""

    def __init__(self, servers: list[str], topics: list[str]) -> None:
        self.records: list = []
        self._consumer = KafkaConsumer(*topics, bootstrap_servers=servers, group_id=None, auto_offset_reset="earliest")
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._read, name="topic-recorder", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stopped.is_set():
            for records in self._consumer.poll(timeout_ms=500).values():
                self.records.extend(records)

    def stop(self) -> list:
        self._stopped.set()
        self._thread.join()
        self._consumer.close()
        return self.records

    def of(self, topic: str) -> list:
        return [record for record in self.records if record.topic == topic]


def _read_timings(
    recorded: TopicRecorder, timings: dict[str, Timing], slack: FakeSlack, *, since: datetime
) -> list[str]:
    """Fill in each crisis's timings from the topics and the fake Slack; return the false alerts."""
    opened: dict[str, tuple[float, datetime]] = {}
    false_alerts = []
    for record in recorded.of(INCIDENTS):
        event = IncidentEvent.model_validate_json(record.value)
        incident = event.incident
        if event.change != "opened" or incident.opened_at < since:
            continue
        timing = timings.get(incident.brand)
        if timing is None or incident.current.window_end <= timing.first_mention:
            false_alerts.append(f"{incident.dedup_key} at {incident.opened_at:%H:%M:%S}")
        elif incident.brand not in opened:
            opened[incident.brand] = (record.timestamp / 1000, incident.current.window_end)
    for brand, (at, _) in opened.items():
        timings[brand].incident = at
    for record in recorded.of(WINDOW_COUNTS):
        window = WindowCount.model_validate_json(record.value)
        # The window's last record before the incident: a snapshot of it still open, or the closed one.
        if (
            window.brand in opened
            and window.end == opened[window.brand][1]
            and record.timestamp / 1000 <= (opened[window.brand][0])
        ):
            timings[window.brand].window_published = record.timestamp / 1000
    for record in recorded.of(notifications_topic(RECEIVER)):
        outbound = Outbound.model_validate_json(record.value)
        timing = timings.get(outbound.event.incident.brand)
        if timing is not None and outbound.event.change == "opened" and timing.routed is None:
            timing.routed = record.timestamp / 1000
    # The fake records monotonic times; the topics, wall-clock ones.
    wall_minus_monotonic = time.time() - time.monotonic()
    for request in slack.requests:
        if request.path != "/api/chat.postMessage" or request.failed:
            continue
        body = request.json()
        for brand, timing in timings.items():
            if timing.slack is None and "thread_ts" not in body and brand in body.get("text", ""):
                timing.slack = request.at + wall_minus_monotonic
    _describe_misses(recorded, timings)
    return false_alerts


def _describe_misses(recorded: TopicRecorder, timings: dict[str, Timing]) -> None:
    """For crises with no incident: the busiest window of the crisis against the hour before it."""
    windows = [WindowCount.model_validate_json(record.value) for record in recorded.of(WINDOW_COUNTS)]
    windows = [window for window in windows if not window.partial]
    for brand, timing in timings.items():
        if timing.incident is not None:
            if timing.slack is None:
                timing.seen = "its incident opened, but no message reached Slack"
            continue
        ours = [w for w in windows if w.brand == brand]
        before = [w for w in ours if timing.first_mention - timedelta(hours=1) <= w.start < timing.first_mention]
        during = [w for w in ours if w.end > timing.first_mention]
        if not during:
            timing.seen = "no window of the crisis closed"
            continue
        peak = max(during, key=lambda w: w.negative)
        usual = statistics.median(w.negative for w in before) if before else 0.0
        timing.seen = (
            f"no incident: busiest window {peak.negative} negative of {peak.volume} "
            f"({peak.negative_share:.0%}); the hour before, a median of {usual:.0f} negative"
        )


def _span(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else end - start


def _median_p95(values: list[float]) -> str:
    if not values:
        return f"{'–':>8} {'–':>8}"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):>7.0f}s {p95:>7.0f}s"


def _report(timings: list[Timing], false_alerts: list[str], args: argparse.Namespace) -> None:
    print(f"{len(timings)} crises, {args.spacing:.0f} s apart, each held {args.minutes:.0f} min; seed {args.seed}")
    print(
        f"{'crisis':<14} {'caught':>7} {'median':>8} {'p95':>8}   "
        f"{'ingest':>7} {'detect':>7} {'routing':>8} {'deliver':>8}   (medians of the split)"
    )
    kinds = [kind for kind, _, _ in KINDS] + ["all"]
    for kind in kinds:
        rows = [t for t in timings if kind in ("all", t.kind)]
        caught = [t for t in rows if t.total() is not None]
        split = []
        for start, end in (
            (lambda t: t.first_mention.timestamp(), lambda t: t.window_published),
            (lambda t: t.window_published, lambda t: t.incident),
            (lambda t: t.incident, lambda t: t.routed),
            (lambda t: t.routed, lambda t: t.slack),
        ):
            spans = [s for t in caught if (s := _span(start(t), end(t))) is not None]
            split.append(f"{statistics.median(spans):>6.0f}s" if spans else f"{'–':>7}")
        print(
            f"{kind:<14} {len(caught):>3}/{len(rows):<3} {_median_p95([t.total() for t in caught])}   "
            f"{split[0]:>7} {split[1]:>7} {split[2]:>8} {split[3]:>8}"
        )
    for timing in timings:
        if timing.seen:
            print(f"  {timing.brand} ({timing.kind}) missed: {timing.seen}")
    print(f"false alerts (quiet brands, or before a brand's crisis): {len(false_alerts)}")
    for alert in false_alerts:
        print(f"  {alert}")


if __name__ == "__main__":
    main()
