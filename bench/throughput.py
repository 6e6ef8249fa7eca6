"""Worker throughput on the embedded broker: raw mentions in, closed window counts out.

Starts Tansu and one ``badbuzz worker``, sends N simulated mentions (four brands,
a busy afternoon), then one later mention per brand so every window closes, and
times until the window counts add up to N. Prints the figures; asserts nothing.

    python bench/throughput.py --mentions 100000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaConsumer

from streams.broker import EmbeddedBroker, free_port
from streams.feed import MentionProducer
from streams.processes import WorkerProcess
from streams.records import WindowCount
from streams.simulator import Brand, MentionSimulator
from streams.topics import MENTIONS, WINDOW_COUNTS

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BRAND_NAMES = ("alpha", "bravo", "charlie", "delta")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument(
        "--peak-per-minute", type=int, default=600, help="each brand's busiest rate (a crisis: several thousands)"
    )
    args = parser.parse_args()
    brands = tuple(Brand(name, peak_per_minute=args.peak_per_minute, french=0.6) for name in BRAND_NAMES)

    mentions = []
    for mention in MentionSimulator(brands=brands, seed=1).between(START, START + timedelta(days=1)):
        mentions.append(mention)
        if len(mentions) == args.mentions:
            break
    # One mention an hour later per brand moves its event time on, so its last windows close.
    later = mentions[-1].created_at + timedelta(hours=1)
    first_of = {m.brand: m for m in reversed(mentions)}
    closers = [m.model_copy(update={"id": f"closer:{brand}", "created_at": later}) for brand, m in first_of.items()]
    span = mentions[-1].created_at - mentions[0].created_at

    workdir = Path(tempfile.mkdtemp(prefix="badbuzz-bench-"))
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        env = {
            **os.environ,
            **broker.env,
            "BADBUZZ_PARTITIONS": str(args.partitions),
            "BADBUZZ_BATCH_SIZE": str(args.batch_size),
            "BADBUZZ_DATA_DIR": str(workdir / "state"),
            "BADBUZZ_WEB_PORT": str(free_port()),
        }
        worker = WorkerProcess(env, log_path=workdir / "worker.log").start().wait_ready()
        servers = [broker.url.removeprefix("kafka://")]
        producer = MentionProducer(servers, MENTIONS)
        cpu_before = _cpu_seconds(worker.process.pid)
        started = time.perf_counter()
        for mention in mentions + closers:
            producer.send_mention(mention)
        producer.flush()
        produced = time.perf_counter() - started
        counted = _wait_for_volume(servers, args.mentions)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(worker.process.pid) - cpu_before
        worker.stop()

    rate = f"{len(brands)} brands at up to {args.peak_per_minute:,} a minute"
    print(f"mentions                 {args.mentions:>10,}  ({rate}, {span} of event time)")
    print(f"partitions / batch size  {args.partitions:>10} / {args.batch_size}")
    print(f"producer (kafka-python)  {args.mentions / produced:>10,.0f} mentions/s")
    print(f"worker, raw → windows    {counted / elapsed:>10,.0f} mentions/s  ({elapsed:.1f} s)")
    # CPU time is the figure to compare across runs: wall time depends on what else the machine runs.
    print(f"worker CPU               {counted / cpu:>10,.0f} mentions per CPU second  ({cpu:.1f} s, all threads)")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for_volume(servers: list[str], expected: int, timeout: float = 1800.0) -> int:
    consumer = KafkaConsumer(WINDOW_COUNTS, bootstrap_servers=servers, group_id=None, auto_offset_reset="earliest")
    counted = 0
    deadline = time.monotonic() + timeout
    while counted < expected and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200).values():
            for record in records:
                window = WindowCount.model_validate_json(record.value)
                # Suspected bots are counted apart from the volume, but counted all the same.
                counted += window.volume + window.suspected_bots
    consumer.close()
    if counted < expected:
        raise SystemExit(f"only {counted:,} of {expected:,} mentions counted after {timeout} s")
    return counted


if __name__ == "__main__":
    main()
