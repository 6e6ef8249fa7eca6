"""The abilities detectors declare, and the watch that reads them once."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from badbuzz.detectors.anomaly import DETECTORS, make_detector
from badbuzz.detectors.anomaly.abilities import (
    GivesEvidence,
    JudgesPartialWindows,
    KnowsUsualRange,
    ObservesProtectedWindows,
    SettlesAfterAlerts,
)
from badbuzz.detectors.anomaly.signal_watches import make_watch
from badbuzz.vocabulary.signals import SignalKind

ABILITIES = (KnowsUsualRange, GivesEvidence, SettlesAfterAlerts, ObservesProtectedWindows, JudgesPartialWindows)
DECLARED = {
    "count_evidence": set(ABILITIES),
    "count_surprise": {KnowsUsualRange, GivesEvidence, ObservesProtectedWindows},
    "share_surprise": {KnowsUsualRange, JudgesPartialWindows},
    "robust_zscore": set(),
    "half_space_trees": set(),
    "snarimax": set(),
    "holt_winters": set(),
}
T0 = datetime(2026, 3, 2, tzinfo=UTC)


def test_every_detector_is_listed() -> None:
    assert set(DECLARED) == set(DETECTORS)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_a_detector_has_the_abilities_it_declares_and_no_other(name: str) -> None:
    detector = make_detector(name)
    assert {ability for ability in ABILITIES if isinstance(detector, ability)} == DECLARED[name]
    for ability in DECLARED[name]:
        for method in ability.__dict__:
            if callable(getattr(ability, method)) and not method.startswith("_"):
                assert getattr(type(detector), method) is not getattr(ability, method), f"{name} lacks {method}"


def test_a_watch_checkpointed_before_its_abilities_were_read_carries_on_the_same() -> None:
    counts = [float(v) for v in np.random.default_rng(2).poisson(20, 3 * 1440)] + [200.0] * 30 + [20.0] * 300
    watch = make_watch(SignalKind.COUNT, 60)
    for minute, value in enumerate(counts[:1440]):
        watch.observe(value, T0 + timedelta(minutes=minute))
    state = pickle.loads(pickle.dumps(watch)).__dict__
    read = {"_usual_range", "_evidence", "_settles", "_observes", "_partial"}
    old = {key: value for key, value in state.items() if key not in read}
    restored = type(watch).__new__(type(watch))
    restored.__setstate__(old)
    for minute, value in enumerate(counts[1440:], start=1440):
        time = T0 + timedelta(minutes=minute)
        assert restored.observe(value, time) == watch.observe(value, time)
    assert restored.judge_partial(400.0, T0, seconds=30) == watch.judge_partial(400.0, T0, seconds=30)
