"""Worker throughput on the embedded broker, against the ceilings measured in the same run.

For each scenario a fresh Tansu gets the same N mentions on ``badbuzz.mentions``
(keyed by brand, as collectors must) before anything reads them; then, on that topic:

- ``aiokafka``: a raw consumer (``getmany`` + ``json.loads``), the broker's ceiling;
- ``faust count``: a Faust agent that only counts ``take_events`` batches, tuned as the
  worker is: the ceiling of any Faust agent;
- ``worker``: ``badbuzz worker`` process(es), raw bytes to closed window counts (timed
  from ready until the window counts add up to N), and its share of each ceiling;
- the worker's RSS at the end, and per brand beyond the 10-brand scenario.

Scenarios: 4 brands (one a partition) at 1 and 2 workers; 10, 1,000 and 10,000 brands
(over five minutes of event time); a crisis (50,000 mentions of one brand in one window).
Prints the table; asserts nothing. The machine's load moves every rate: compare a worker
with the ceilings of its own row.

    python bench/throughput.py --mentions 60000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaConsumer

from badbuzz.streams.config import Settings
from badbuzz.streams.tooling.broker import EmbeddedBroker, ensure_topics, free_port
from badbuzz.streams.tooling.feed import MentionProducer
from badbuzz.streams.tooling.processes import WorkerProcess, spawn, stop
from badbuzz.streams.tooling.simulator import Brand, MentionSimulator
from badbuzz.streams.topics import MENTIONS, WINDOW_COUNTS, all_topics, partition_of
from badbuzz.streams.validation import decode_mention
from badbuzz.vocabulary.records import Mention, WindowCount

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CRISIS = 50_000
BRANDS_SPAN = timedelta(minutes=5)


@dataclass
class Scenario:
    name: str
    brands: int
    workers: int = 1
    crisis: bool = False


SCENARIOS = (
    Scenario("4 brands (1 a partition), 1 worker", 4),
    Scenario("4 brands (1 a partition), 2 workers", 4, workers=2),
    Scenario("10 brands", 10),
    Scenario("1,000 brands", 1_000),
    Scenario("10,000 brands", 10_000),
    Scenario("crisis: 50,000 of one brand in one minute", 1, crisis=True),
)


def one_brand_per_partition(partitions: int) -> tuple[str, ...]:
    """Brand names that Kafka's partitioner spreads one to a partition: workers share them evenly."""
    names: dict[int, str] = {}
    for name in (f"brand-{letter}{i}" for i in range(100) for letter in "abcdefgh"):
        names.setdefault(partition_of(name, partitions), name)
        if len(names) == partitions:
            return tuple(names[p] for p in sorted(names))
    raise SystemExit(f"no brand names found for {partitions} partitions")


def simulated(n: int, names: tuple[str, ...]) -> list[Mention]:
    brands = tuple(Brand(name, peak_per_minute=600, french=0.6) for name in names)
    mentions = []
    for mention in MentionSimulator(brands=brands, seed=1).between(START, START + timedelta(days=3)):
        mentions.append(mention)
        if len(mentions) == n:
            break
    return mentions


def decode_costs(mentions: list[Mention]) -> str:
    """What one decode costs on this mix: validation in one pass against the bare JSON parse."""
    raws = [m.model_dump_json().encode() for m in mentions]
    started = time.perf_counter()
    for raw in raws:
        decode_mention(raw, max_bytes=65_536)
    validated = time.perf_counter() - started
    started = time.perf_counter()
    for raw in raws:
        json.loads(raw)
    parsed = time.perf_counter() - started
    return (
        f"decode: pydantic validate_json {validated / len(raws) * 1e6:.1f} µs/mention "
        f"(json.loads alone {parsed / len(raws) * 1e6:.1f} µs)"
    )


def mentions_for(scenario: Scenario, base: list[Mention]) -> list[Mention]:
    if scenario.crisis:
        step = 59.0 / CRISIS
        return [
            m.model_copy(update={"id": f"c:{i}", "brand": "crisis", "created_at": START + timedelta(seconds=i * step)})
            for i, m in enumerate((base * (CRISIS // len(base) + 1))[:CRISIS])
        ]
    if scenario.brands == 4:
        return base
    # Many brands: the same mentions over five minutes of event time, so that what is measured
    # is the worker's memory per brand, not the thousands of (mostly empty) windows a long span
    # of event time makes each brand publish.
    step = BRANDS_SPAN.total_seconds() / len(base)
    return [
        m.model_copy(
            update={"brand": f"brand-{i % scenario.brands:05d}", "created_at": START + timedelta(seconds=i * step)}
        )
        for i, m in enumerate(base)
    ]


def closers(mentions: list[Mention]) -> list[Mention]:
    """One mention two minutes later per brand moves its event time on, so its last windows close."""
    later = mentions[-1].created_at + timedelta(minutes=2)
    first_of = {m.brand: m for m in reversed(mentions)}
    return [m.model_copy(update={"id": f"closer:{brand}", "created_at": later}) for brand, m in first_of.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=60_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--only", help="run the scenarios whose name contains this")
    parser.add_argument("--faust-count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.faust_count:
        return faust_count(args.faust_count, args.batch_size)
    base = simulated(args.mentions, one_brand_per_partition(args.partitions))
    print(f"{args.mentions:,} simulated mentions (~330 bytes), {args.partitions} partitions, batch {args.batch_size}")
    print(decode_costs(base[:10_000]))
    print(
        f"{'scenario':<44}{'aiokafka/s':>11}{'faust/s':>9}{'worker/s':>9}{'of aiokafka':>12}"
        f"{'of faust':>9}{'RSS MB':>8}{'KB/brand':>9}"
    )
    rss_of_10 = None
    for scenario in SCENARIOS:
        if args.only and args.only not in scenario.name:
            continue
        mentions = mentions_for(scenario, base)
        raw_rate, faust_rate, worker_rate, rss = run(scenario, mentions, args)
        if scenario.brands == 10:
            rss_of_10 = rss
        per_brand = (
            f"{(rss - rss_of_10) * 1024 / (scenario.brands - 10):>9.1f}"
            if rss_of_10 is not None and scenario.brands > 10
            else f"{'':>9}"
        )
        print(
            f"{scenario.name:<44}{raw_rate:>11,.0f}{faust_rate:>9,.0f}{worker_rate:>9,.0f}"
            f"{worker_rate / raw_rate:>11.1%} {worker_rate / faust_rate:>8.0%}{rss:>8,.0f}{per_brand}",
            flush=True,
        )


def run(scenario: Scenario, mentions: list[Mention], args) -> tuple[float, float, float, float]:
    workdir = Path(tempfile.mkdtemp(prefix="badbuzz-bench-"))
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        env = {
            **os.environ,
            **broker.env,
            "BADBUZZ_PARTITIONS": str(args.partitions),
            "BADBUZZ_BATCH_SIZE": str(args.batch_size),
        }
        ensure_topics(Settings(broker_url=broker.url, partitions=args.partitions), all_topics(("console",)))
        servers = [broker.url.removeprefix("kafka://")]
        producer = MentionProducer(servers, MENTIONS)
        for mention in mentions + closers(mentions):
            producer.send_mention(mention)
        producer.flush()
        producer.close()
        total = len(mentions) + len(closers(mentions))
        raw_rate = asyncio.run(aiokafka_rate(servers, total))
        faust_rate = faust_count_rate(env, total, args.batch_size)
        workers = [
            WorkerProcess(
                {**env, "BADBUZZ_DATA_DIR": str(workdir / f"state{i}"), "BADBUZZ_WEB_PORT": str(free_port())},
                log_path=workdir / f"worker{i}.log",
            ).start()
            for i in range(scenario.workers)
        ]
        for worker in workers:
            worker.wait_ready(timeout=120)
        started = time.perf_counter()
        counted = _wait_for_volume(servers, len(mentions))
        elapsed = time.perf_counter() - started
        rss = max(_rss_mb(worker.process.pid) for worker in workers)
        for worker in workers:
            worker.stop()
    return raw_rate, faust_rate, counted / elapsed, rss


async def aiokafka_rate(servers: list[str], total: int) -> float:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(MENTIONS, bootstrap_servers=servers, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    read, started = 0, None
    try:
        while read < total:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=10_000)).values():
                started = started or time.perf_counter()
                for record in records:
                    json.loads(record.value)
                read += len(records)
    finally:
        await consumer.stop()
    return read / (time.perf_counter() - started)


def faust_count_rate(env: dict[str, str], total: int, batch_size: int) -> float:
    """A count-only Faust agent in its own process, timed from its first event to its last."""
    child = spawn(
        [sys.executable, __file__, "--faust-count", str(total), "--batch-size", str(batch_size)],
        env={**env, "BADBUZZ_DATA_DIR": tempfile.mkdtemp(prefix="badbuzz-bench-faust-")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = child.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        stop(child)
        stdout, stderr = child.communicate()
    rates = re.findall(r"RATE ([0-9.]+)", stdout)
    if not rates:
        raise SystemExit(f"the count-only Faust agent did not finish:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    return float(rates[-1])


def faust_count(total: int, batch_size: int) -> None:
    import faust
    from faust.worker import Worker

    settings = Settings()
    app = faust.App(
        "bench-faust-count",
        broker=settings.broker_url,
        datadir=settings.data_dir,
        store="memory://",
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=settings.broker_heartbeat_interval,
        broker_rebalance_timeout=settings.broker_rebalance_timeout,
        # The worker's own tuning (badbuzz.streams.app).
        broker_max_poll_records=2 * batch_size,
        stream_buffer_maxsize=4 * batch_size,
        web_port=free_port(),
    )
    topic = app.topic(MENTIONS, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    seen = {"n": 0, "started": None}

    @app.agent(topic)
    async def count(stream):
        async for events in stream.take_events(batch_size, within=0.5):
            seen["started"] = seen["started"] or time.perf_counter()
            seen["n"] += len(events)
            if seen["n"] >= total:
                print(f"RATE {seen['n'] / (time.perf_counter() - seen['started']):.1f}", flush=True)
                os._exit(0)

    Worker(app, loglevel="warning", quiet=True, redirect_stdouts=False).execute_from_commandline()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_for_volume(servers: list[str], expected: int, timeout: float = 1800.0) -> int:
    consumer = KafkaConsumer(WINDOW_COUNTS, bootstrap_servers=servers, group_id=None, auto_offset_reset="earliest")
    counted = 0
    deadline = time.monotonic() + timeout
    while counted < expected and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200).values():
            for record in records:
                window = WindowCount.model_validate_json(record.value)
                if window.partial:
                    continue  # a snapshot of a window still open: its mentions come again once it closes
                # Suspected bots are counted apart from the volume, but counted all the same.
                counted += window.volume + window.suspected_bots
    consumer.close()
    if counted < expected:
        raise SystemExit(f"only {counted:,} of {expected:,} mentions counted after {timeout} s")
    return counted


if __name__ == "__main__":
    main()
