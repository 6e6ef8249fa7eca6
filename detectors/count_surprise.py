"""How surprising a count is for this time of day and week, as a negative binomial tail."""

from __future__ import annotations

import math
from datetime import datetime

from river.base import AnomalyDetector

from detectors.seasonal import DAY, HOUR, SeasonalBaseline, decay_rate
from detectors.tails import negative_binomial_upper_tail, surprise

#: Never expect less than this: a brand that is usually silent still gets the odd mention.
MIN_EXPECTED = 0.5
#: Learnt values are clipped this many standard deviations above what was expected.
CLIP_SIGMAS = 3.0


class CountSurprise(AnomalyDetector):
    """``-log10`` of the chance of a count at least this high, given the hour and the weekday.

    The expected count comes from a :class:`~detectors.seasonal.SeasonalBaseline` (level ×
    hour-of-day × weekend factor); the spread is a negative binomial's, ``mean + dispersion ×
    mean²``, with the dispersion learnt online: Poisson noise dominates small counts (3 mentions
    instead of 1 is no news), the overdispersion large ones (1,200 instead of 1,000 is not
    either). Learnt values are clipped a few standard deviations above the expectation, so
    an unflagged spike barely moves the baseline.

    A one-sided CUSUM of the log-likelihood ratio "the rate is ``burn_factor`` times higher"
    catches slow burns no single window gives away; the score is the larger of the window's
    surprise and the CUSUM's evidence (in ``log10`` units too). Only rises score.

    ``x`` is ``{"value": count, "time": datetime or POSIX seconds}``; values may be non-integer
    (sums of reach weights).

    Parameters
    ----------
    window_seconds
        The time between two values.
    warm_up
        Seconds of data learnt before anything scores.
    level_half_life, season_half_life
        See :class:`~detectors.seasonal.SeasonalBaseline`.
    dispersion_half_life
        Seconds after which a change in the overdispersion is half learnt.
    burn_factor
        The rise in rate, as a factor, the CUSUM is tuned to; ``None`` turns it off.
    seasonal
        Whether the baseline learns the daily and weekly rhythm.

    Examples
    --------
    >>> import random
    >>> from datetime import datetime, timedelta
    >>> rng = random.Random(42)
    >>> detector = CountSurprise(window_seconds=300)
    >>> t0 = datetime(2026, 3, 2)
    >>> for i in range(2 * 288):
    ...     detector.learn_one({"value": rng.randint(15, 25), "time": t0 + timedelta(minutes=5 * i)})
    >>> now = t0 + timedelta(days=2)
    >>> round(detector.score_one({"value": 24, "time": now}), 1), round(detector.score_one({"value": 80, "time": now}), 1)
    (0.8, 20.9)
    """

    def __init__(
        self,
        window_seconds: float = 60.0,
        warm_up: float = DAY,
        level_half_life: float = 12 * HOUR,
        season_half_life: float = 3 * HOUR,
        dispersion_half_life: float = 7 * DAY,
        burn_factor: float | None = 2.0,
        seasonal: bool = True,
    ) -> None:
        self.window_seconds = window_seconds
        self.warm_up = warm_up
        self.level_half_life = level_half_life
        self.season_half_life = season_half_life
        self.dispersion_half_life = dispersion_half_life
        self.burn_factor = burn_factor
        self.seasonal = seasonal
        self.baseline = SeasonalBaseline(window_seconds, level_half_life, season_half_life, seasonal)
        self.dispersion = 0.0
        self.cusum = 0.0
        self.n_seen = 0

    def expected(self, time: datetime | float) -> float:
        return max(self.baseline.expected(time), MIN_EXPECTED)

    def usual_range(self, x: dict) -> tuple[float, float, float]:
        """What is usual at ``x["time"]``: the expectation, one standard deviation either side."""
        expected = self.expected(x["time"])
        spread = self.spread(expected)
        return expected, max(0.0, expected - spread), expected + spread

    def spread(self, expected: float) -> float:
        """The standard deviation of a count around ``expected``."""
        return math.sqrt(expected + self.dispersion * expected**2)

    @property
    def warming_up(self) -> bool:
        return self.n_seen * self.window_seconds < self.warm_up

    def _cusum_step(self, value: float, expected: float) -> float:
        # Poisson log-likelihood ratio of rate k·μ against μ, deflated by the overdispersion
        # so a noisy series needs more evidence.
        k = self.burn_factor
        increment = value * math.log(k) - expected * (k - 1.0)
        return max(0.0, self.cusum + increment / (1.0 + self.dispersion * expected))

    def learn_one(self, x: dict) -> None:
        value, time = float(x["value"]), x["time"]
        if self.n_seen > 0:
            expected = self.expected(time)
            clipped = min(value, expected + CLIP_SIGMAS * self.spread(expected))
            excess = ((clipped - expected) ** 2 - expected) / expected**2
            self.dispersion = max(
                0.0,
                self.dispersion
                + decay_rate(self.window_seconds, self.dispersion_half_life) * (excess - self.dispersion),
            )
            if self.burn_factor is not None:
                self.cusum = self._cusum_step(clipped, expected)
            value = clipped
        self.baseline.learn(value, time)
        self.n_seen += 1

    def score_one(self, x: dict) -> float:
        if self.warming_up:
            return 0.0
        value = float(x["value"])
        expected = self.expected(x["time"])
        if value <= expected:
            return 0.0
        spike = surprise(negative_binomial_upper_tail(value, expected, self.dispersion))
        if self.burn_factor is None:
            return spike
        return max(spike, self._cusum_step(value, expected) / math.log(10))
