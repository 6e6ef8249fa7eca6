"""The alert lifecycle and the per-signal watches the pipeline builds."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from badbuzz.detectors.anomaly.signal_watches import make_watch
from badbuzz.vocabulary.signals import Severity, SignalKind

T0 = datetime(2026, 3, 2, tzinfo=UTC)
MINUTE = 60


def feed(watch, values, start: int = 0, n=None):
    return [
        watch.observe(float(v), T0 + timedelta(minutes=start + i), None if n is None else n[i])
        for i, v in enumerate(values)
    ]


def daily_counts(days: int, seed: int = 3) -> list[int]:
    """Poisson mentions a minute, 30 by day and 5 at night."""
    rng = np.random.default_rng(seed)
    minutes = np.arange(days * 1440)
    rate = np.where((minutes // 60) % 24 >= 8, 30, 5)
    return [int(v) for v in rng.poisson(rate)]


@pytest.fixture(scope="module")
def history() -> list[int]:
    return daily_counts(3)


def test_one_crisis_opens_one_alert_that_resolves_after_calm(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE, resolve_after_seconds=30 * MINUTE)
    quiet = feed(watch, history)
    assert not any(j.opens for j in quiet[1440:]), "three quiet days raise no alert after the first"
    start = len(history)
    # A crisis with a lull in the middle: 40 minutes, 10 calm, 40 more, then calm.
    crisis = [200] * 40 + [30] * 10 + [220] * 40
    judged = feed(watch, crisis + daily_counts(1, seed=9)[:120], start=start)

    assert sum(j.opens for j in judged) == 1
    assert judged[0].opens and judged[0].severity is Severity.CRITICAL
    assert all(j.alerting for j in judged[:90])
    resolved = [i for i, j in enumerate(judged) if j.resolves]
    calm = [j.score < watch.stay_fraction * watch.threshold or j.value <= j.usual_high for j in judged]
    first_calm_run = next(i for i in range(90, len(judged)) if all(calm[i - 29 : i + 1]))
    assert resolved == [first_calm_run], "resolves once, on the 30th calm window in a row"
    # The hour-long sums still hold the crisis for a moment after it ends, not for hours.
    assert 90 + 29 <= first_calm_run <= 90 + 29 + 10
    assert not judged[resolved[0]].alerting


def test_the_crisis_is_not_learnt_as_the_new_normal(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE)
    feed(watch, history)
    judged = feed(watch, [200] * 120, start=len(history))
    assert judged[-1].usual == pytest.approx(judged[0].usual, rel=0.1)
    assert judged[-1].score >= watch.threshold


def test_night_time_lows_are_not_crises(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE)
    feed(watch, history)
    # 3 a.m.: 12 mentions where 5 is usual, and well under the day's 30.
    night = watch.observe(12.0, T0 + timedelta(days=3, hours=3))
    assert not night.opens


def test_min_count_floor_silences_small_absolute_rises() -> None:
    def judged(min_count: float):
        # A low threshold, so that only the floor stands between the window and an alert.
        watch = make_watch(SignalKind.COUNT, MINUTE, min_count=min_count, threshold=0.5)
        feed(watch, [0, 1, 0, 0, 1] * 400)
        return watch, watch.observe(8.0, T0 + timedelta(minutes=2000))

    watch, judgement = judged(min_count=10)
    assert judgement.score >= watch.threshold and not judgement.opens
    assert judged(min_count=5)[1].opens


def test_negative_share_needs_enough_mentions_to_alert() -> None:
    rng = np.random.default_rng(5)
    volumes = rng.integers(40, 60, size=1440)
    shares = [rng.binomial(int(n), 0.1) / n for n in volumes]
    watch = make_watch(SignalKind.PROPORTION, MINUTE)
    feed(watch, shares, n=[int(n) for n in volumes])
    small = watch.observe(0.75, T0 + timedelta(minutes=1440), 4)
    assert not small.opens, "3 negative out of 4 is no crisis"
    large = watch.observe(0.6, T0 + timedelta(minutes=1441), 50)
    assert large.opens and large.usual == pytest.approx(0.1, abs=0.02)


def test_a_restored_watch_carries_on_without_a_new_warm_up(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE)
    feed(watch, history)
    blob = pickle.dumps(watch)
    restored = pickle.loads(blob)
    later = daily_counts(1, seed=11)[:60] + [250]
    assert feed(restored, later, start=len(history)) == feed(watch, later, start=len(history))
    assert feed(restored, [250], start=len(history) + 100)[0].score > 0
    assert len(blob) < 20_000, "a watch lives in a changelog table: it must stay small"


def test_reach_is_watched_by_a_model_that_does_not_read_weights_as_mentions() -> None:
    counts = make_watch(SignalKind.COUNT, MINUTE, detector="count_evidence")
    reach = make_watch(SignalKind.WEIGHTED_COUNT, MINUTE, detector="count_evidence")
    assert type(counts.detector).__name__ == "CountEvidence"
    assert type(reach.detector).__name__ == "CountSurprise" and reach.min_value == 0.0


# Early judgement: a window still open, judged on what it holds so far


def test_an_overwhelming_open_window_opens_early_and_teaches_nothing(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE)
    feed(watch, history)
    untouched = pickle.loads(pickle.dumps(watch))
    morning = T0 + timedelta(days=3, hours=9)  # 30 mentions a minute are usual
    early = watch.judge_partial(400.0, morning, seconds=20)
    assert early is not None and early.opens and early.severity is Severity.CRITICAL
    assert early.usual == pytest.approx(10, rel=0.3), "what is usual of the first 20 s, not of the whole minute"
    assert early.score >= 2 * watch.threshold
    assert not watch.alerting, "the closed window decides whether the alert goes on"
    closed = T0 + timedelta(days=3)
    assert watch.observe(35.0, closed) == untouched.observe(35.0, closed), "an early judgement learns nothing"


def test_an_ordinary_open_window_opens_nothing(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE)
    feed(watch, history)
    morning = T0 + timedelta(days=3, hours=9)
    # Usual, then a doubling: a doubling may open when the window closes, never early.
    assert watch.judge_partial(16.0, morning, seconds=30) is None
    assert watch.judge_partial(30.0, morning, seconds=30) is None
    night = T0 + timedelta(days=3, hours=2)
    assert watch.judge_partial(9.0, night, seconds=20) is None, "below the floor of mentions, whatever the rate"


def test_an_alert_already_on_is_left_to_the_closed_windows(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE)
    feed(watch, history)
    assert feed(watch, [400], start=len(history))[0].opens
    assert watch.judge_partial(400.0, T0 + timedelta(days=3, minutes=1), seconds=20) is None


def test_an_open_window_share_is_judged_on_the_mentions_so_far() -> None:
    rng = np.random.default_rng(5)
    volumes = rng.integers(40, 60, size=1440)
    watch = make_watch(SignalKind.PROPORTION, MINUTE)
    feed(watch, [rng.binomial(int(n), 0.1) / n for n in volumes], n=[int(n) for n in volumes])
    at = T0 + timedelta(minutes=1440)
    assert watch.judge_partial(0.8, at, seconds=20, n=25).opens, "20 negative of 25 where 10 % is usual"
    assert watch.judge_partial(0.2, at, seconds=20, n=25) is None
    assert watch.judge_partial(0.9, at, seconds=20, n=10) is None, "9 negative mentions: below the floor"


def test_a_detector_that_cannot_judge_part_of_a_window_never_judges_early(history: list[int]) -> None:
    watch = make_watch(SignalKind.COUNT, MINUTE, detector="robust_zscore")
    feed(watch, history[:600])
    assert watch.judge_partial(1000.0, T0 + timedelta(minutes=600), seconds=30) is None
