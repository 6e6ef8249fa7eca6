"""Workers SIGKILLed mid-replay: every window count exact after the restart, none published twice.

The kill comes right after the first windows were published: between a checkpoint and
the next, the case where a naive design either repeats a window or loses one.
"""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

from badbuzz.streams.tooling.processes import WorkerProcess
from badbuzz.streams.tooling.simulator import Brand, MentionSimulator
from badbuzz.streams.topics import WINDOW_COUNTS
from badbuzz.vocabulary.records import WindowCount
from tests.conftest import read_topic, worker_env
from tests.test_end_to_end import producer_for

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BRANDS = ("acme", "globex", "initech", "umbrella")
SETTINGS = {
    "BADBUZZ_BRANDS": ",".join(BRANDS),
    "BADBUZZ_CHECKPOINT_SECONDS": "1",
    # A killed worker's partitions move to the survivor once its session times out.
    "BADBUZZ_BROKER_SESSION_TIMEOUT": "6",
    "BADBUZZ_BROKER_HEARTBEAT_INTERVAL": "1",
    "BADBUZZ_BATCH_SIZE": "500",
}


def replay_mentions(n: int) -> list:
    brands = tuple(Brand(name, peak_per_minute=400, french=0.5) for name in BRANDS)
    mentions = []
    for mention in MentionSimulator(brands=brands, seed=5).between(START, START + timedelta(days=1)):
        mentions.append(mention)
        if len(mentions) == n:
            break
    later = mentions[-1].created_at + timedelta(hours=1)
    closers = [
        mentions[0].model_copy(update={"id": f"closer:{brand}", "brand": brand, "created_at": later})
        for brand in BRANDS
    ]
    return mentions + closers


def windows_of(records) -> list[WindowCount]:
    windows = (WindowCount.model_validate_json(record.value) for record in records)
    return [window for window in windows if not window.partial]


def counted(windows: list[WindowCount]) -> int:
    return sum(window.volume + window.suspected_bots for window in windows)


def kill(worker: WorkerProcess) -> None:
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait()
    worker.process = None


def assert_exact(broker, expected: int) -> None:
    records = read_topic(broker, WINDOW_COUNTS, lambda rs: counted(windows_of(rs)) >= expected, timeout=180)
    windows = windows_of(records)
    published = Counter((window.brand, window.start) for window in windows)
    assert [key for key, times in published.items() if times > 1] == [], "windows published twice"
    assert counted(windows) == expected
    # In-order replay: whatever came again after the restart was already counted, not late.
    assert sum(window.late for window in windows) == 0


def test_a_worker_killed_mid_replay_and_restarted_counts_every_mention_once(broker, tmp_path):
    mentions = replay_mentions(8_000)
    worker = WorkerProcess(worker_env(broker, tmp_path / "state", **SETTINGS), tmp_path / "worker.log")
    worker.start().wait_ready()
    producer = producer_for(broker)
    try:
        for mention in mentions[:5_000]:
            producer.send_mention(mention)
        producer.flush()
        read_topic(broker, WINDOW_COUNTS, lambda rs: len(rs) >= 4, timeout=120)
        kill(worker)
        for mention in mentions[5_000:]:
            producer.send_mention(mention)
        producer.flush()
        worker.start().wait_ready()
        assert_exact(broker, len(mentions))
    finally:
        producer.close()
        worker.stop()


def test_one_of_two_workers_killed_mid_replay_the_other_takes_over_exactly(broker, tmp_path):
    mentions = replay_mentions(8_000)
    workers = [
        WorkerProcess(worker_env(broker, tmp_path / f"state{i}", **SETTINGS), tmp_path / f"worker{i}.log")
        for i in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.wait_ready(timeout=120)
    producer = producer_for(broker)
    try:
        for mention in mentions[:5_000]:
            producer.send_mention(mention)
        producer.flush()
        read_topic(broker, WINDOW_COUNTS, lambda rs: len(rs) >= 4, timeout=120)
        kill(workers[0])
        for mention in mentions[5_000:]:
            producer.send_mention(mention)
        producer.flush()
        assert_exact(broker, len(mentions))
    finally:
        producer.close()
        for worker in workers:
            worker.stop()
