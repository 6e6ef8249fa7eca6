"""How surprising a rise in a count is, for the time of day, over several time scales, in this series' own history."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from river.base import AnomalyDetector

from badbuzz.detectors.anomaly.abilities import Evidence, GivesEvidence, KnowsUsualRange, ObservesProtectedWindows
from badbuzz.detectors.anomaly.peaks import PeaksOverThreshold
from badbuzz.detectors.anomaly.seasonal import DAY, HOUR, SeasonalBaseline, decay_rate, warm_rate

#: Never expect less than this: a brand that is usually silent still gets the odd mention.
MIN_EXPECTED = 0.5
#: Learnt values are clipped this many standard deviations above what was expected.
CLIP_SIGMAS = 3.0
#: A log ratio beyond this (×20) says "burst", not "how noisy the series is".
MAX_LOG_RATIO = 3.0
#: In the scales longer than one window, a window counts for at most this many spreads above what was
#: expected: those scales measure how long a rise lasts; how high a single window goes is the shortest
#: scale's business. Without a cap one burst fills an hour's or four hours' sum as much as a level
#: sustained over them, and the bursts a series often has inflate those scales' spread.
LONG_SCALE_CAP = 6.0
#: Standardised rises above this are the peaks the tail is fitted to (about the top 5 % of windows).
PEAK_LEVEL = 2.0
#: What a window at the shipped threshold is, for counts: this many windows a week would be as rare.
#: The alerts it gives are fewer, since an alert spans many windows: about 0.4 a week per series
#: outside labelled anomalies on NAB's tweet volumes.
FALSE_ALARMS_PER_WEEK = 2.0


@KnowsUsualRange.register
@GivesEvidence.register
@ObservesProtectedWindows.register
class CountSurprise(AnomalyDetector):
    """``-log10`` of how rare a rise this large is in this series, at the worst of several time scales.

    The expected count comes from a :class:`~badbuzz.detectors.anomaly.seasonal.SeasonalBaseline` (level ×
    hour-of-day × weekend factor). At each scale of ``scales`` (a duration: the window itself,
    an hour, four hours), exponentially weighted sums of the counts and of their expectations
    are compared as a log ratio, standardised by its own spread: Poisson noise for small counts
    plus an overdispersion learnt online, so 3 mentions instead of 1 is no news and neither is
    1,200 instead of 1,000. A one-window burst shows at the shortest scale; a level shift
    sustained over hours at the longer ones, where no single window gives it away. There a
    window counts for at most ``long_scale_cap`` spreads above its expectation, so the longer
    scales see how long a rise lasts rather than one window's height.

    Each scale's standardised rise is calibrated on the series' own history with a
    :class:`~badbuzz.detectors.anomaly.peaks.PeaksOverThreshold` tail (``calibration_half_life`` of memory):
    how often this series rises this much, bursts included, rather than how often a model says
    it should. The score is the rarest scale's ``-log10`` frequency, less ``log10`` of the number
    of scales (Bonferroni), so a threshold of ``s`` means "one window in ``10^s``" whatever the
    scales. Only rises score. Learnt values are clipped a few standard deviations above the
    expectation, so an unflagged spike barely moves the baseline.

    :meth:`observe_one` moves the running sums past a window without learning anything from it:
    a watch protecting its model from a crisis still lets the longer scales see that the crisis
    goes on.

    ``x`` is ``{"value": count, "time": datetime or POSIX seconds}``; values may be non-integer
    (sums of reach weights).

    Parameters
    ----------
    window_seconds
        The time between two values.
    warm_up
        Seconds of data learnt before anything scores.
    level_half_life, season_half_life
        See :class:`~badbuzz.detectors.anomaly.seasonal.SeasonalBaseline`.
    dispersion_half_life
        Seconds after which a change in the overdispersion is half learnt.
    calibration_half_life
        Seconds after which a past score weighs half as much in the tail fit.
    scales
        The durations, in seconds, over which rises are summed; ``0`` (or anything up to
        ``window_seconds``) is the window alone.
    seasonal
        Whether the baseline learns the daily and weekly rhythm.
    long_scale_cap
        At the scales longer than one window, the most spreads above its expectation a window
        counts for; ``math.inf`` for no cap.

    Examples
    --------
    >>> import random
    >>> from datetime import datetime, timedelta
    >>> rng = random.Random(42)
    >>> detector = CountSurprise(window_seconds=300)
    >>> t0 = datetime(2026, 3, 2)
    >>> for i in range(4 * 288):
    ...     detector.learn_one({"value": rng.randint(15, 25), "time": t0 + timedelta(minutes=5 * i)})
    >>> now = t0 + timedelta(days=4)
    >>> [round(detector.score_one({"value": value, "time": now}), 1) for value in (24, 80)]
    [0.4, 5.7]
    """

    def __init__(
        self,
        window_seconds: float = 60.0,
        warm_up: float = DAY,
        level_half_life: float = 12 * HOUR,
        season_half_life: float = 3 * HOUR,
        dispersion_half_life: float = 7 * DAY,
        calibration_half_life: float = 7 * DAY,
        scales: Sequence[float] = (0.0, HOUR, 4 * HOUR),
        seasonal: bool = True,
        long_scale_cap: float = LONG_SCALE_CAP,
    ) -> None:
        self.window_seconds = window_seconds
        self.warm_up = warm_up
        self.level_half_life = level_half_life
        self.season_half_life = season_half_life
        self.dispersion_half_life = dispersion_half_life
        self.calibration_half_life = calibration_half_life
        self.scales = scales
        self.seasonal = seasonal
        self.long_scale_cap = long_scale_cap
        self.baseline = SeasonalBaseline(window_seconds, level_half_life, season_half_life, seasonal)
        self._weights = [1.0 if s <= window_seconds else decay_rate(window_seconds, s) for s in scales]
        #: Per scale: weighted means of the counts and of their expectations, and their log ratio's excess variance.
        self.observed = [0.0] * len(scales)
        self.expectations = [0.0] * len(scales)
        self.dispersions = [0.0] * len(scales)
        self.tails = [
            PeaksOverThreshold(level=PEAK_LEVEL, half_life=calibration_half_life / window_seconds) for _ in scales
        ]
        self.n_seen = 0

    def __setstate__(self, state: dict) -> None:
        # A watch checkpointed before the cap existed carries on with the cap, not with a crash.
        state.setdefault("long_scale_cap", LONG_SCALE_CAP)
        self.__dict__.update(state)

    def expected(self, time: datetime | float) -> float:
        return max(self.baseline.expected(time), MIN_EXPECTED)

    def usual_range(self, x: dict) -> tuple[float, float, float]:
        """What is usual at ``x["time"]``: the expectation, one standard deviation either side."""
        expected = self.expected(x["time"])
        spread = self.spread(expected)
        return expected, max(0.0, expected - spread), expected + spread

    def spread(self, expected: float) -> float:
        """The standard deviation of one window's count around ``expected``."""
        return math.sqrt(expected + self.dispersions[0] * expected**2)

    @property
    def warming_up(self) -> bool:
        return self.n_seen * self.window_seconds < self.warm_up

    def _rises(self, value: float, expected: float) -> list[tuple[float, float, float, float]]:
        """Per scale, with this window included: the log ratio, its Poisson variance, and both means."""
        capped = min(value, expected + self.long_scale_cap * self.spread(expected))
        out = []
        for k, weight in enumerate(self._weights):
            observed = (1.0 - weight) * self.observed[k] + weight * (value if weight >= 1.0 else capped)
            mean = (1.0 - weight) * self.expectations[k] + weight * expected
            log_ratio = math.log((observed + 0.5 * weight) / (mean + 0.5 * weight))
            # An exponentially weighted mean of Poisson counts averages over (2 - w) / w windows' worth.
            poisson = weight / ((2.0 - weight) * mean)
            out.append((log_ratio, poisson, observed, mean))
        return out

    def raw_scores(self, x: dict) -> list[float]:
        """Each scale's rise in standard deviations, before calibration on the series' history."""
        rises = self._rises(float(x["value"]), self.expected(x["time"]))
        return [
            max(0.0, log_ratio) / math.sqrt(poisson + dispersion)
            for (log_ratio, poisson, _, _), dispersion in zip(rises, self.dispersions)
        ]

    def observe_one(self, x: dict) -> None:
        """Move each scale's running sums past ``x`` without learning it as normal.

        For a window the caller keeps out of :meth:`learn_one` (a crisis): the level, the
        seasonal factors, the spreads and the calibration stay as they were, but an hour later
        the hour-long sum still holds the crisis, as it happened.
        """
        if self.n_seen == 0:
            return
        for k, (_, _, observed, mean) in enumerate(self._rises(float(x["value"]), self.expected(x["time"]))):
            self.observed[k], self.expectations[k] = observed, mean

    def learn_one(self, x: dict) -> None:
        value, time = float(x["value"]), x["time"]
        if self.n_seen == 0:
            self.observed = [value] * len(self.scales)
            self.expectations = [max(value, MIN_EXPECTED)] * len(self.scales)
            self.baseline.learn(value, time)
            self.n_seen += 1
            return
        expected = self.expected(time)
        if not self.warming_up:
            for tail, score in zip(self.tails, self.raw_scores(x)):
                tail.learn(score)
        rate = warm_rate(self.window_seconds, self.dispersion_half_life, self.n_seen - 1)
        for k, (log_ratio, poisson, observed, mean) in enumerate(self._rises(value, expected)):
            # Var(log X) ≈ Poisson part + overdispersion; a clipped log ratio keeps bursts from blowing it up.
            excess = min(abs(log_ratio), MAX_LOG_RATIO) ** 2 - poisson
            self.dispersions[k] = max(0.0, self.dispersions[k] + rate * (excess - self.dispersions[k]))
            self.observed[k], self.expectations[k] = observed, mean
        self.baseline.learn(min(value, expected + CLIP_SIGMAS * self.spread(expected)), time)
        self.n_seen += 1

    def evidence(self, x: dict) -> Evidence:
        """The rarest scale for ``x``: its span, the mentions counted and expected there, and the score.

        The counts of a longer scale are its weighted means times the windows they average over.
        """
        value, expected = float(x["value"]), self.expected(x["time"])
        if self.warming_up:
            return Evidence(self.window_seconds, value, expected, self.dispersions[0], 0.0)
        rises = self._rises(value, expected)
        calibrated = [tail.calibrated(score) for tail, score in zip(self.tails, self.raw_scores(x))]
        k = max(range(len(self.scales)), key=calibrated.__getitem__)
        weight = self._weights[k]
        windows = (2.0 - weight) / weight
        _, _, observed, mean = rises[k]
        # The cap shapes the longer scales' sums, not the mentions a user counts: the window itself counts whole.
        observed = max(observed * windows, value)
        return Evidence(
            windows * self.window_seconds,
            observed,
            mean * windows,
            self.dispersions[k],
            max(0.0, calibrated[k] - math.log10(len(self.scales))),
        )

    def score_one(self, x: dict) -> float:
        return self.evidence(x).score
