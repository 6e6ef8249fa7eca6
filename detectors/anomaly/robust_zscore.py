"""Robust z-score of a count against its recent median."""

from __future__ import annotations

import math

from river.base import AnomalyDetector

from badbuzz.detectors.anomaly.baseline import RollingBaseline


class RobustZScore(AnomalyDetector):
    """How many robust standard deviations a count stands above its recent median.

    The spread is the larger of the inter-quartile spread and the Poisson noise of a
    count of that size (its square root), so a brand with 3 mentions a minute is not
    alarmed by 9. Only rises score: a drop in mentions is no bad buzz. Scores are 0
    until ``grace_period`` values have been learnt.

    Parameters
    ----------
    feature
        The key of ``x`` to watch.
    window_size
        How many recent values make the baseline.
    grace_period
        How many values to learn before scoring anything.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = RobustZScore(window_size=60, grace_period=30)
    >>> for _ in range(60):
    ...     detector.learn_one({"value": rng.randint(8, 12)})
    >>> round(detector.score_one({"value": 11}), 1)
    0.5
    >>> round(detector.score_one({"value": 60}), 1)
    16.4
    """

    def __init__(self, feature: str = "value", window_size: int = 60, grace_period: int = 30) -> None:
        self.feature = feature
        self.window_size = window_size
        self.grace_period = grace_period
        self._baseline = RollingBaseline(window_size)

    def learn_one(self, x: dict) -> None:
        self._baseline.update(x[self.feature])

    def score_one(self, x: dict) -> float:
        if self._baseline.n_seen < self.grace_period:
            return 0.0
        median = self._baseline.median
        spread = max(self._baseline.sigma, math.sqrt(max(median, 1.0)))
        return max(0.0, (x[self.feature] - median) / spread)
