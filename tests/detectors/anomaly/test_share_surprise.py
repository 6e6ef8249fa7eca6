"""ShareSurprise: how surprising a share is, given how many mentions it is out of."""

from __future__ import annotations

import numpy as np
import pytest

from badbuzz.detectors.anomaly.share_surprise import ShareSurprise

WINDOW_SECONDS = 60


def trained(shares: list[float] | None = None, n: int = 30, seed: int = 4, windows: int = 24 * 60) -> ShareSurprise:
    """A day of minutes, binomial shares around 20 % out of ``n`` (or the given ``shares``)."""
    detector = ShareSurprise(window_seconds=WINDOW_SECONDS)
    rng = np.random.default_rng(seed)
    for i in range(windows):
        share = rng.binomial(n, 0.2) / n if shares is None else shares[i % len(shares)]
        detector.learn_one({"value": share, "n": n})
    return detector


def test_the_same_share_out_of_more_mentions_is_more_surprising() -> None:
    detector = trained()
    scores = [detector.score_one({"value": 0.5, "n": n}) for n in (4, 20, 100, 400)]
    assert scores == sorted(scores) and scores[0] < 1.0 < 10.0 < scores[-1]


def test_only_rises_score() -> None:
    detector = trained()
    assert detector.score_one({"value": 0.05, "n": 400}) == 0.0
    assert detector.score_one({"value": detector.share, "n": 400}) == 0.0


def test_an_empty_window_scores_nothing_and_teaches_nothing() -> None:
    detector = trained()
    before = (detector.numerator, detector.denominator, detector.excess_variance, detector.n_seen)
    assert detector.score_one({"value": 0.0, "n": 0}) == 0.0
    detector.learn_one({"value": 0.0, "n": 0})
    assert (detector.numerator, detector.denominator, detector.excess_variance, detector.n_seen) == before


def test_nothing_scores_during_the_warm_up() -> None:
    detector = trained(windows=6 * 60 - 1)
    assert detector.score_one({"value": 0.9, "n": 400}) == 0.0
    detector.learn_one({"value": 0.2, "n": 30})
    assert detector.score_one({"value": 0.9, "n": 400}) > 10.0


def test_a_share_that_always_wobbles_needs_a_larger_rise() -> None:
    steady = trained([0.2])
    wobbly = trained([0.1, 0.3])
    assert steady.share == pytest.approx(wobbly.share, abs=0.01)
    assert wobbly.excess_variance > steady.excess_variance
    assert wobbly.score_one({"value": 0.4, "n": 100}) < steady.score_one({"value": 0.4, "n": 100})


def test_busy_windows_weigh_more_in_the_usual_share() -> None:
    detector = ShareSurprise(window_seconds=WINDOW_SECONDS)
    for _ in range(600):
        detector.learn_one({"value": 0.1, "n": 90})
        detector.learn_one({"value": 0.5, "n": 10})
    # An average of windows would say 30 %; of mentions, 14 %.
    assert detector.share == pytest.approx(0.14, abs=0.01)


def test_the_usual_range_is_a_share_and_narrows_with_more_mentions() -> None:
    detector = trained()
    few, many = detector.usual_range({"value": 0.2, "n": 5}), detector.usual_range({"value": 0.2, "n": 500})
    for usual, low, high in (few, many):
        assert 0.0 <= low <= usual <= high <= 1.0
        assert usual == pytest.approx(0.2, abs=0.02)
    assert many[2] - many[1] < few[2] - few[1]


def test_an_open_window_is_judged_like_a_closed_one_on_its_mentions_so_far() -> None:
    detector = trained()
    x = {"value": 0.6, "n": 50}
    evidence = detector.partial_evidence(x, seconds=20)
    assert evidence.score == detector.score_one(x)
    assert (evidence.usual, evidence.usual_low, evidence.usual_high) == detector.usual_range(x)
