"""Peaks over threshold: how rare a score is in a series' own history, extreme values included.

A model's tail probabilities are only as good as the model; tweet volumes have bursts no
negative binomial expects. Following SPOT (Siffer et al., KDD 2017), the excesses of past scores
over a fixed level are fitted with a generalised Pareto distribution, which extrapolates the
tail beyond what was seen: the calibrated surprise of a score is ``-log10`` of the fraction of
windows expected to score at least that high in this series.
"""

from __future__ import annotations

import math
from collections import deque

from detectors.tails import MAX_SURPRISE, surprise


class PeaksOverThreshold:
    """A generalised Pareto tail fitted to the last ``max_peaks`` excesses over ``level``.

    Parameters
    ----------
    level
        The score above which a value is a peak.
    max_peaks
        How many recent peaks the fit keeps: bounded memory, and an old regime is forgotten.
    min_peaks
        Below this many peaks the fit is not trusted and scores pass through uncalibrated.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> pot = PeaksOverThreshold(level=1.0)
    >>> for _ in range(10_000):
    ...     pot.learn(rng.expovariate(1.0))  # P(score >= s) = e^-s
    >>> abs(pot.calibrated(5.0) - 5.0 / math.log(10)) < 0.2  # -log10 P(score >= 5) = 2.17
    True
    """

    def __init__(self, level: float = 1.0, max_peaks: int = 128, min_peaks: int = 16) -> None:
        self.level = level
        self.max_peaks = max_peaks
        self.min_peaks = min_peaks
        self.peaks: deque[float] = deque(maxlen=max_peaks)
        self.n_seen = 0
        #: How many values were seen while the current ``max_peaks`` peaks came in.
        self._seen_at_peak: deque[int] = deque(maxlen=max_peaks)

    def learn(self, score: float) -> None:
        self.n_seen += 1
        if score > self.level:
            self.peaks.append(score - self.level)
            self._seen_at_peak.append(self.n_seen)

    def _peak_rate(self) -> float:
        # Peaks per value over the span the kept peaks cover, so the rate forgets as the fit does.
        span = self.n_seen - self._seen_at_peak[0] + 1 if len(self.peaks) == self.max_peaks else self.n_seen
        return len(self.peaks) / max(span, 1)

    def calibrated(self, score: float) -> float:
        """``-log10`` of the estimated share of values scoring at least ``score``."""
        if len(self.peaks) < self.min_peaks:
            return score
        if score <= self.level:
            return min(score, surprise(self._peak_rate()))
        mean = sum(self.peaks) / len(self.peaks)
        variance = sum((p - mean) ** 2 for p in self.peaks) / (len(self.peaks) - 1)
        if variance <= 0.0 or mean <= 0.0:
            return MAX_SURPRISE
        ratio = mean**2 / variance
        # A light (bounded) tail would call anything past its end impossible: never lighter than exponential.
        shape = max(0.0, 0.5 * (1.0 - ratio))
        scale = 0.5 * mean * (1.0 + ratio)
        excess = score - self.level
        if abs(shape) < 1e-6:
            log_tail = -excess / scale
        else:
            base = 1.0 + shape * excess / scale
            if base <= 0.0:
                return MAX_SURPRISE
            log_tail = -math.log(base) / shape
        return min(MAX_SURPRISE, surprise(self._peak_rate()) - log_tail / math.log(10))
