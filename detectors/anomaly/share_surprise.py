"""How surprising a share (e.g. of negative mentions) is, given how many mentions it is out of."""

from __future__ import annotations

import math

from river.base import AnomalyDetector

from badbuzz.detectors.anomaly.abilities import JudgesPartialWindows, KnowsUsualRange, PartialEvidence
from badbuzz.detectors.anomaly.seasonal import DAY, HOUR, warm_rate
from badbuzz.detectors.anomaly.tails import beta_binomial_upper_tail, surprise


@KnowsUsualRange.register
@JudgesPartialWindows.register
class ShareSurprise(AnomalyDetector):
    """``-log10`` of the chance of a share at least this high out of ``n``, given the usual share.

    The usual share is a ratio of exponentially weighted sums (numerators over denominators),
    so busy windows weigh more than quiet ones. The share's own window-to-window variation
    beyond binomial noise is learnt online and makes the tail a beta-binomial's: 3 negative
    mentions out of 4 is unremarkable, 300 out of 400 is news, and a series whose share always
    wobbles needs a larger rise.

    ``x`` is ``{"value": share, "n": denominator, "time": ...}``; a window with ``n == 0``
    scores 0 and teaches nothing.

    Parameters
    ----------
    window_seconds
        The time between two values.
    warm_up
        Seconds of data learnt before anything scores.
    half_life
        Seconds after which a change in the usual share is half learnt.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(42)
    >>> detector = ShareSurprise(window_seconds=60)
    >>> for _ in range(24 * 60):
    ...     n = rng.randint(20, 40)
    ...     detector.learn_one({"value": sum(rng.random() < 0.2 for _ in range(n)) / n, "n": n})
    >>> round(detector.score_one({"value": 0.75, "n": 4}), 1), round(detector.score_one({"value": 0.75, "n": 400}), 1)
    (1.6, 67.3)
    """

    def __init__(self, window_seconds: float = 60.0, warm_up: float = 6 * HOUR, half_life: float = DAY) -> None:
        self.window_seconds = window_seconds
        self.warm_up = warm_up
        self.half_life = half_life
        self.numerator = 0.0
        self.denominator = 0.0
        self.excess_variance = 0.0
        self.n_seen = 0

    @property
    def share(self) -> float:
        return self.numerator / self.denominator if self.denominator > 0 else 0.0

    def _concentration(self, share: float) -> float:
        # A beta's variance is share (1 - share) / (concentration + 1).
        return share * (1.0 - share) / max(self.excess_variance, 1e-9)

    def usual_range(self, x: dict) -> tuple[float, float, float]:
        share, n = self.share, max(float(x.get("n") or 0.0), 1.0)
        spread = math.sqrt(share * (1.0 - share) / n + self.excess_variance)
        return share, max(0.0, share - spread), min(1.0, share + spread)

    def learn_one(self, x: dict) -> None:
        n = float(x.get("n") or 0.0)
        if n <= 0:
            return
        value = float(x["value"])
        rate = warm_rate(self.window_seconds, self.half_life, self.n_seen)
        if self.n_seen > 0:
            share = self.share
            excess = (value - share) ** 2 - share * (1.0 - share) / n
            self.excess_variance = max(0.0, self.excess_variance + rate * (excess - self.excess_variance))
        self.numerator += rate * (value * n - self.numerator)
        self.denominator += rate * (n - self.denominator)
        self.n_seen += 1

    def score_one(self, x: dict) -> float:
        n = float(x.get("n") or 0.0)
        if n <= 0 or self.n_seen * self.window_seconds < self.warm_up:
            return 0.0
        share, value = self.share, float(x["value"])
        if value <= share:
            return 0.0
        return surprise(beta_binomial_upper_tail(value * n, n, share, self._concentration(share)))

    def partial_evidence(self, x: dict, seconds: float) -> PartialEvidence:
        """The share so far out of the mentions so far: the usual share does not depend on the time
        elapsed, and the beta-binomial tail on a smaller ``n`` already asks more of the share.

        >>> detector = ShareSurprise(window_seconds=60, warm_up=0)
        >>> for _ in range(600):
        ...     detector.learn_one({"value": 0.2, "n": 30})
        >>> round(detector.partial_evidence({"value": 0.9, "n": 30}, seconds=20).score, 1)
        15.5
        """
        return PartialEvidence(self.score_one(x), *self.usual_range(x))
