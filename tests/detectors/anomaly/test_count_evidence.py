from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from badbuzz.detectors.anomaly.count_evidence import CountEvidence
from badbuzz.detectors.anomaly.signal_watches import make_watch
from badbuzz.vocabulary.signals import SignalKind

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def feed(target, counts, window_seconds: float, start: int = 0):
    """Judge (watch) or learn (detector) each count in turn; the watch's judgements."""
    out = []
    for i, count in enumerate(counts, start=start):
        time = T0 + timedelta(seconds=window_seconds * i)
        if hasattr(target, "observe"):
            out.append(target.observe(float(count), time))
        else:
            target.learn_one({"value": float(count), "time": time})
    return out


def test_evidence_keeps_growing_with_the_size_of_the_excess() -> None:
    detector = CountEvidence(window_seconds=300)
    feed(detector, np.random.default_rng(1).poisson(80, 4 * 288), 300)
    now = T0 + timedelta(days=4)
    scores = [detector.score_one({"value": 80 * k, "time": now}) for k in (3, 10, 36)]
    assert scores[0] < scores[1] < scores[2]
    assert scores[2] > 3 * scores[0], "a ×36 flood is far stronger evidence than a ×3 one"


def test_a_brand_of_one_mention_per_five_minutes_that_gets_twenty_opens_an_alert() -> None:
    watch = make_watch(SignalKind.COUNT, 300, detector="count_evidence")
    feed(watch, np.random.default_rng(2).poisson(1.0, 4 * 288), 300)
    judgement = feed(watch, [20], 300, start=4 * 288)[0]
    assert judgement.opens


def test_a_brand_of_a_few_hundred_mentions_a_day_whose_rate_quintuples_opens_an_alert_within_the_hour() -> None:
    rng = np.random.default_rng(3)
    watch = make_watch(SignalKind.COUNT, 60, detector="count_evidence")
    quiet = 7 * 1440  # a week of 300 mentions a day, then five times that
    feed(watch, rng.poisson(0.2, quiet), 60)
    judgements = feed(watch, rng.poisson(1.0, 6 * 60), 60, start=quiet)
    opened = [i for i, j in enumerate(judgements) if j.opens]
    assert opened, "no single minute reaches the floor, but the half hour does"
    assert opened[0] < 60 and max(j.value for j in judgements[: opened[0] + 1]) < 10
    assert watch.detector.evidence({"value": 1.0, "time": T0 + timedelta(days=7, hours=6)}).seconds > 60


def test_recurring_bursts_are_learnt_as_normal() -> None:
    rng = np.random.default_rng(4)
    days = 14
    counts = rng.poisson(40, days * 288).astype(float)
    for start in range(100, days * 288 - 3, 96):  # a ×5 burst of 10 minutes every 8 hours
        counts[start : start + 2] *= 5
    watch = make_watch(SignalKind.COUNT, 300, detector="count_evidence")
    judgements = feed(watch, counts, 300)
    assert sum(j.opens for j in judgements[7 * 288 :]) <= 1


def test_the_expectation_of_part_of_the_next_window_scales_with_its_length() -> None:
    detector = CountEvidence(window_seconds=300)
    feed(detector, np.random.default_rng(5).poisson(30, 2 * 288), 300)
    now = T0 + timedelta(days=2)
    whole, dispersion = detector.expectation(now)
    fifth, same = detector.expectation(now, seconds=60)
    assert fifth == pytest.approx(whole / 5) and same == dispersion
    assert abs(whole - 30) < 5


def test_a_restored_watch_judges_a_crisis_as_the_original_does() -> None:
    rng = np.random.default_rng(6)
    watch = make_watch(SignalKind.COUNT, 300, detector="count_evidence")
    feed(watch, rng.poisson(10, 2 * 288), 300)
    restored = pickle.loads(pickle.dumps(watch))
    crisis = [10, 60, 80, 90, 12, 10]
    assert feed(restored, crisis, 300, start=2 * 288) == feed(watch, crisis, 300, start=2 * 288)
