"""The embedded broker and topic creation, against the real Tansu binary."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from badbuzz.streams.config import Settings
from badbuzz.streams.tooling.broker import EmbeddedBroker, ensure_topics, find_tansu, free_port
from badbuzz.streams.tooling.processes import stop
from badbuzz.vocabulary.errors import BrokerError


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_the_broker_listens_on_loopback_and_stops_with_its_owner(tmp_path):
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as broker:
        assert broker.url.startswith("kafka://127.0.0.1:")
        assert listening(broker.port)
        process = broker.process
    assert process.poll() is not None
    assert not listening(broker.port)


def test_the_broker_dies_with_a_killed_parent(tmp_path):
    """No orphan broker even when its owner is killed outright (SIGKILL runs no cleanup)."""
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from badbuzz.streams.tooling.broker import EmbeddedBroker\n"
            "b = EmbeddedBroker().start(); print(b.process.pid, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    broker_pid = int(owner.stdout.readline())
    assert alive(broker_pid)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    deadline = time.monotonic() + 5
    while alive(broker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(broker_pid)


def test_topics_are_created_with_the_configured_partitions(broker):
    ensure_topics(Settings(broker_url=broker.url, partitions=3), ("a", "b"))
    ensure_topics(Settings(broker_url=broker.url, partitions=3), ("a", "b"))  # idempotent
    with pytest.raises(BrokerError, match=r"other partition counts than 5: \{'a': 3\}"):
        ensure_topics(Settings(broker_url=broker.url, partitions=5), ("a",))


def test_an_unreachable_kafka_is_a_broker_error():
    with pytest.raises(BrokerError, match="cannot reach Kafka"):
        ensure_topics(Settings(broker_url=f"kafka://127.0.0.1:{free_port()}"), ("a",), connect_timeout=1)


def test_an_explicit_binary_must_be_executable(tmp_path, monkeypatch):
    not_executable = tmp_path / "tansu"
    not_executable.write_text("")
    monkeypatch.setenv("BADBUZZ_TANSU_BIN", str(not_executable))
    with pytest.raises(BrokerError, match="not an executable"):
        find_tansu()
    monkeypatch.delenv("BADBUZZ_TANSU_BIN")
    assert os.access(find_tansu(), os.X_OK)


def test_a_second_interrupt_while_stopping_still_leaves_no_child():
    """Ctrl-C pressed twice: the child that ignores the first is killed, not orphaned."""
    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"]
    )
    time.sleep(0.3)
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            stop(stubborn, timeout=30)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert stubborn.poll() == -signal.SIGKILL
