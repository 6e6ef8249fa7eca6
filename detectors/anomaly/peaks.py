"""Peaks over threshold: how rare a score is in a series' own history, extreme values included.

A model's tail probabilities are only as good as the model; tweet volumes have bursts no
negative binomial expects. Following SPOT (Siffer et al., KDD 2017), the excesses of past scores
over a fixed level are fitted with a generalised Pareto distribution, which extrapolates the
tail beyond what was seen: the calibrated surprise of a score is ``-log10`` of the fraction of
values expected to score at least that high in this series.

The fit uses exponentially decayed moments rather than a buffer of peaks: the memory is a
half-life (so a duration, whatever the window length), an old regime fades out, and the state
is a handful of floats.
"""

from __future__ import annotations

import math

from badbuzz.detectors.anomaly.tails import MAX_SURPRISE, surprise


class PeaksOverThreshold:
    """A generalised Pareto tail fitted by decayed moments to the excesses over ``level``.

    Parameters
    ----------
    level
        The score above which a value is a peak.
    half_life
        How many values after which a past value weighs half as much: the fit's memory.
    min_peaks
        Below this many peaks the fit is not trusted and scores pass through uncalibrated.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> pot = PeaksOverThreshold(level=1.0, half_life=5_000)
    >>> for _ in range(20_000):
    ...     pot.learn(rng.expovariate(1.0))  # P(score >= s) = e^-s
    >>> abs(pot.calibrated(5.0) - 5.0 / math.log(10)) < 0.2  # -log10 P(score >= 5) = 2.17
    True
    """

    def __init__(self, level: float = 1.0, half_life: float = 2016.0, min_peaks: int = 16) -> None:
        self.level = level
        self.half_life = half_life
        self.min_peaks = min_peaks
        self.n_seen = 0
        self.n_peaks = 0
        #: Decayed share of values above ``level``.
        self.peak_rate = 0.0
        #: Decayed count of peaks, and decayed sums of their excesses and squared excesses.
        self._weight = 0.0
        self._sum = 0.0
        self._sum_squares = 0.0

    def learn(self, score: float) -> None:
        # A plain running mean until the memory is full, so the first values do not weigh like weeks.
        rate = max(1.0 - 0.5 ** (1.0 / self.half_life), 1.0 / (self.n_seen + 1.0))
        self.n_seen += 1
        peak = score > self.level
        self.peak_rate += rate * (float(peak) - self.peak_rate)
        keep = 1.0 - rate
        self._weight *= keep
        self._sum *= keep
        self._sum_squares *= keep
        if peak:
            excess = score - self.level
            self.n_peaks += 1
            self._weight += 1.0
            self._sum += excess
            self._sum_squares += excess * excess

    def calibrated(self, score: float) -> float:
        """``-log10`` of the estimated share of values scoring at least ``score``."""
        if self.n_peaks < self.min_peaks or self._weight <= 0.0:
            return score
        if score <= self.level:
            return min(score, surprise(self.peak_rate))
        mean = self._sum / self._weight
        variance = self._sum_squares / self._weight - mean**2
        if variance <= 0.0 or mean <= 0.0:
            return MAX_SURPRISE
        ratio = mean**2 / variance
        # A light (bounded) tail would call anything past its end impossible: never lighter than exponential.
        shape = max(0.0, 0.5 * (1.0 - ratio))
        scale = 0.5 * mean * (1.0 + ratio)
        excess = score - self.level
        if shape < 1e-6:
            log_tail = -excess / scale
        else:
            log_tail = -math.log(1.0 + shape * excess / scale) / shape
        return min(MAX_SURPRISE, surprise(self.peak_rate) - log_tail / math.log(10))
