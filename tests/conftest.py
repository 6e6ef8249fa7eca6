"""Real parts for the tests: the embedded broker, badbuzz workers as processes, a fake Slack."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from badbuzz.streams.tooling.broker import EmbeddedBroker, free_port
from badbuzz.streams.tooling.processes import WorkerProcess
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as embedded:
        yield embedded


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()


def worker_env(broker: EmbeddedBroker, data_dir: Path, **settings: str) -> dict[str, str]:
    return {
        **os.environ,
        **broker.env,
        "BADBUZZ_DATA_DIR": str(data_dir),
        "BADBUZZ_WEB_PORT": str(free_port()),
        **settings,
    }


@pytest.fixture
def make_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Workers on a broker, configured by settings given as environment variables."""
    workers: list[WorkerProcess] = []

    def make(broker: EmbeddedBroker, **settings: str) -> WorkerProcess:
        worker = WorkerProcess(worker_env(broker, tmp_path / "state", **settings), tmp_path / "worker.log")
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()


def read_topic(
    broker: EmbeddedBroker, topic: str, until: Callable[[list], bool], timeout: float = 60.0, stall: float = 20.0
) -> list:
    """Every record of ``topic`` from the start, read until ``until(records)`` holds.

    A reader that gets nothing new for ``stall`` seconds is replaced by a fresh one reading from
    the start again: kafka-python's consumer has been seen to stop fetching from the embedded
    broker, and a stalled reader must not pass for a worker that stopped publishing. The
    failure says how many readers were tried and what each read.
    """
    deadline = time.monotonic() + timeout
    attempts: list[int] = []
    while time.monotonic() < deadline:
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=[broker.url.removeprefix("kafka://")],
            group_id=None,
            auto_offset_reset="earliest",
        )
        records: list = []
        last_new = time.monotonic()
        try:
            while time.monotonic() < deadline and time.monotonic() - last_new < stall:
                for batch in consumer.poll(timeout_ms=500).values():
                    records.extend(batch)
                    last_new = time.monotonic()
                if until(records):
                    return records
        finally:
            consumer.close()
        attempts.append(len(records))
    raise AssertionError(f"{topic}: condition not met in {timeout} s; records read by each fresh reader: {attempts}")


def wait_for(condition: Callable[[], bool], timeout: float = 90.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
