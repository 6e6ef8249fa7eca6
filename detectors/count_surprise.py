"""How surprising a count is for this time of day and week, calibrated on the series' own extremes."""

from __future__ import annotations

import math
from datetime import datetime

from river.base import AnomalyDetector

from detectors.peaks import PeaksOverThreshold
from detectors.seasonal import DAY, HOUR, SeasonalBaseline, warm_rate

#: Never expect less than this: a brand that is usually silent still gets the odd mention.
MIN_EXPECTED = 0.5
#: Learnt values are clipped this many standard deviations above what was expected.
CLIP_SIGMAS = 3.0
#: A log ratio beyond this (×20) says "burst", not "how noisy the series is".
MAX_LOG_RATIO = 3.0
#: The CUSUM's ceiling, in natural-log units: evidence beyond it adds nothing but a slow recovery.
MAX_CUSUM = 10.0 * math.log(10)


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
    >>> [round(detector.score_one({"value": value, "time": now}), 1) for value in (24, 80)]
    [0.2, 22.4]
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
        self.peaks = PeaksOverThreshold()
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
        if not self.warming_up:
            self.peaks.learn(self.raw_score(x))
        if self.n_seen > 0:
            expected = self.expected(time)
            clipped = min(value, expected + CLIP_SIGMAS * self.spread(expected))
            # The dispersion comes from log ratios, which a burst cannot blow up: for a negative
            # binomial, Var(log X) ≈ 1/mean + dispersion.
            log_ratio = min(abs(math.log((value + 0.5) / (expected + 0.5))), MAX_LOG_RATIO)
            excess = log_ratio**2 - 1.0 / expected
            rate = warm_rate(self.window_seconds, self.dispersion_half_life, self.n_seen - 1)
            self.dispersion = max(0.0, self.dispersion + rate * (excess - self.dispersion))
            if self.burn_factor is not None:
                self.cusum = min(self._cusum_step(clipped, expected), MAX_CUSUM)
            value = clipped
        self.baseline.learn(value, time)
        self.n_seen += 1

    def raw_score(self, x: dict) -> float:
        """The model's own surprise, before calibration on the series' history."""
        value = float(x["value"])
        expected = self.expected(x["time"])
        if value <= expected:
            return 0.0
        # The Poisson deviance, deflated by the overdispersion: about -log10 of the tail for
        # moderate deviations, and it never saturates, so bursts stay ranked by size.
        deviance = 2.0 * (value * math.log(value / expected) - (value - expected))
        spike = deviance / (2.0 * math.log(10)) / (1.0 + self.dispersion * expected)
        if self.burn_factor is None:
            return spike
        return max(spike, self._cusum_step(value, expected) / math.log(10))

    def score_one(self, x: dict) -> float:
        if self.warming_up:
            return 0.0
        return self.peaks.calibrated(self.raw_score(x))
