"""The detect stage's logic with plain dicts for tables: closed windows judged and learnt, open ones judged early."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from badbuzz.alerts.incidents import Change
from badbuzz.streams.config import Settings
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.stages.detection import Detection
from badbuzz.vocabulary.records import WindowCount
from badbuzz.vocabulary.signals import Severity, Signal

T0 = datetime(2026, 3, 2, tzinfo=UTC)
#: A day and a quarter of minutes: past every detector's warm-up.
HISTORY_MINUTES = 1800


def window(minute: int, volume: int, negative: int, elapsed: float | None = None) -> WindowCount:
    start = T0 + timedelta(minutes=minute)
    return WindowCount(
        brand="acme",
        start=start,
        end=start + timedelta(minutes=1),
        volume=volume,
        negative=negative,
        positive=volume // 3,
        reach=10.0 * volume,
        negative_reach=10.0 * negative,
        elapsed_seconds=elapsed,
    )


@pytest.fixture(scope="module")
def warmed() -> bytes:
    """The watches and incidents of a brand of about 20 mentions a minute, 15 % negative, pickled."""
    rng = np.random.default_rng(8)
    detection = new_detection({}, {})
    for minute in range(HISTORY_MINUTES):
        volume = int(rng.poisson(20))
        assert detection.judge(window(minute, volume, int(rng.binomial(volume, 0.15)))) == []
    return pickle.dumps((detection.watches, detection.incidents))


def new_detection(watches: dict, incidents: dict) -> Detection:
    metrics = Metrics(CollectorRegistry(), brands=("acme",), languages=("fr", "en"))
    return Detection(Settings(), metrics, watches, incidents)


@pytest.fixture
def detection(warmed: bytes) -> Detection:
    return new_detection(*pickle.loads(warmed))


def test_an_overwhelming_open_window_opens_its_incidents_and_the_closed_one_confirms_them(detection) -> None:
    # 20 s into a flood: 150 mentions, 120 negative, where 7 and 1 are usual.
    opened = {e.incident.signal: e for e in detection.judge(window(HISTORY_MINUTES, 150, 120, elapsed=20))}
    assert {Signal.NEGATIVE_VOLUME, Signal.NEGATIVE_SHARE} <= set(opened)
    assert Signal.NEGATIVE_REACH not in opened, "its detector cannot judge part of a window"
    assert {(e.change, e.incident.severity) for e in opened.values()} == {(Change.OPENED, Severity.CRITICAL)}
    again = detection.judge(window(HISTORY_MINUTES, 190, 150, elapsed=25))
    assert [e.incident.signal for e in again] == [], "a signal whose incident is open waits for the closed window"
    closed = detection.judge(window(HISTORY_MINUTES, 420, 340))
    assert [e.incident.signal for e in closed if e.change is Change.OPENED and e.incident.signal in opened] == []
    for signal, event in opened.items():
        incident = detection.incidents["acme"][signal].incident
        assert incident.opened_at == event.incident.opened_at and incident.revision >= event.incident.revision
    assert detection.incidents["acme"][Signal.NEGATIVE_VOLUME].incident.current.value == 340
    assert detection.watches["acme"].watches[Signal.NEGATIVE_VOLUME].alerting, "the closed window bears it out"


def test_an_ordinary_open_window_opens_nothing_and_teaches_nothing(detection, warmed: bytes) -> None:
    before = pickle.dumps(detection.watches)
    for elapsed, volume, negative in ((15, 5, 1), (30, 12, 3), (45, 30, 8), (50, 40, 14)):
        assert detection.judge(window(HISTORY_MINUTES, volume, negative, elapsed=elapsed)) == []
    assert pickle.dumps(detection.watches) == before
    assert detection.incidents == pickle.loads(warmed)[1]


def test_an_open_window_is_not_judged_too_early_nor_before_the_brand_has_a_baseline(detection) -> None:
    assert detection.judge(window(HISTORY_MINUTES, 150, 120, elapsed=5)) == [], "5 s: below the minimum elapsed"
    fresh = new_detection({}, {})
    assert fresh.judge(window(0, 150, 120, elapsed=20)) == [] and fresh.watches == {}
