"""CountSurprise's longer scales: how long a rise lasts, not how high one window goes."""

from __future__ import annotations

import math
import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from badbuzz.detectors.anomaly.count_surprise import CountSurprise
from badbuzz.detectors.anomaly.signal_watches import make_watch
from badbuzz.detectors.anomaly.watch import SeriesWatch
from badbuzz.vocabulary.signals import SignalKind

T0 = datetime(2026, 3, 2, tzinfo=UTC)
WINDOW_SECONDS = 300
MEAN = 8


def quiet_week(seed: int = 5) -> list[float]:
    """A week of Poisson counts around 8 a window."""
    return [float(v) for v in np.random.default_rng(seed).poisson(MEAN, 7 * 288)]


def bursty_week(seed: int = 5) -> list[float]:
    """:func:`quiet_week` with a one-window burst of 60 every two hours."""
    counts = quiet_week(seed)
    for i in range(30, len(counts), 24):
        counts[i] = 60.0
    return counts


def watch_with(long_scale_cap: float) -> SeriesWatch:
    """The shipped watch of counts by CountSurprise, with this cap."""
    shipped = make_watch(SignalKind.COUNT, WINDOW_SECONDS, detector="count_surprise")
    return SeriesWatch(
        CountSurprise(window_seconds=WINDOW_SECONDS, long_scale_cap=long_scale_cap),
        threshold=shipped.threshold,
        min_value=shipped.min_value,
        resolve_after=shipped.resolve_after,
        relearn_after=shipped.relearn_after,
    )


def observe(watch, values: list[float], start: int = 0):
    return [watch.observe(v, T0 + timedelta(seconds=WINDOW_SECONDS * (start + i))) for i, v in enumerate(values)]


@pytest.mark.parametrize(("long_scale_cap", "alerts"), [(6.0, True), (math.inf, False)])
def test_a_sustained_rise_stands_out_in_a_series_used_to_bursts(long_scale_cap: float, alerts: bool) -> None:
    history = bursty_week()
    rise = [float(v) for v in np.random.default_rng(9).poisson(2.5 * MEAN, 6 * 12)]
    watch = watch_with(long_scale_cap)
    observe(watch, history)
    assert not watch.alerting
    judged = observe(watch, rise, start=len(history))
    # Uncapped, the bursts fill the hour-long sums as much as the rise does, and their spread hides it.
    assert any(j.opens for j in judged[:12]) is alerts


def test_a_protected_crisis_still_fills_the_longer_sums_but_is_not_learnt() -> None:
    watch = watch_with(6.0)
    history = quiet_week()
    observe(watch, history)
    detector = watch.detector
    level, dispersions, hour_sum = detector.baseline.level, list(detector.dispersions), detector.observed[1]
    judged = observe(watch, [200.0] * 24, start=len(history))
    assert judged[0].opens and all(j.alerting for j in judged)
    assert detector.baseline.level == level and detector.dispersions == dispersions
    assert detector.observed[1] > 2 * hour_sum


def test_a_checkpoint_from_before_the_cap_restores_and_scores_like_a_fresh_default() -> None:
    detector = CountSurprise(window_seconds=WINDOW_SECONDS)
    for i, value in enumerate(quiet_week()):
        detector.learn_one({"value": value, "time": T0 + timedelta(seconds=WINDOW_SECONDS * i)})
    old = pickle.loads(pickle.dumps(detector))
    del old.__dict__["long_scale_cap"]
    restored = pickle.loads(pickle.dumps(old))
    x = {"value": 40.0, "time": T0 + timedelta(days=7)}
    assert restored.long_scale_cap == detector.long_scale_cap
    assert restored.score_one(x) == detector.score_one(x)
