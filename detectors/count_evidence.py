"""How much evidence a count gives of a rise, under a seasonal negative-binomial model, over several spans."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from river.base import AnomalyDetector
from scipy.special import betainc, gammainc

from detectors.seasonal import DAY, HOUR, SeasonalBaseline, decay_rate, warm_rate
from detectors.tails import surprise

#: What a silent series is still expected to get: one mention an hour, whatever the window.
FLOOR_PER_HOUR = 1.0
#: What a window at the shipped threshold is: this many windows a week would be as rare under the model.
FALSE_ALARMS_PER_WEEK = 0.2
#: A span's sum this many of its standard deviations (on the log scale) above expected is a burst.
CORE_SIGMAS = 3.0
#: Before any burst is seen, a burst goes this far (in log ratio) beyond the cut: ×1.6.
PRIOR_BURST_SIZE = 0.5
#: Running sums are summed afresh every this many windows.
RESUM_EVERY = 1000
#: Learnt values are clipped this many standard deviations above what was expected.
CLIP_SIGMAS = 3.0
#: A log ratio beyond this (×20) says "burst", not "how noisy the series is": it teaches the
#: dispersion no more than a ×20 would.
MAX_LOG_RATIO = 3.0


def negative_binomial_upper_tail(observed: float, mean: float, dispersion: float) -> float:
    """``P(X >= observed)`` for a count of this ``mean`` with variance ``mean + dispersion × mean²``.

    Continuous in ``observed`` (sums of weights are counts too); Poisson when ``dispersion`` is 0.

    >>> f"{negative_binomial_upper_tail(20, mean=2, dispersion=0.0):.2g}"  # Poisson(2) reaching 20
    '6.4e-14'
    >>> round(negative_binomial_upper_tail(20, mean=2, dispersion=0.5), 5)
    1e-05
    >>> negative_binomial_upper_tail(0, mean=2, dispersion=0.5)
    1.0
    """
    if observed <= 0.0:
        return 1.0
    if mean <= 0.0:
        return 0.0
    if dispersion <= 1e-9:
        # P(Poisson(mean) >= k) is the regularised lower incomplete gamma P(k, mean).
        return float(gammainc(observed, mean))
    size = 1.0 / dispersion
    # P(NB >= k) = I_{1-p}(k, size), with p = size / (size + mean) the success probability.
    return float(betainc(observed, size, mean / (size + mean)))


def _log_ratio(observed: float, mean: float) -> float:
    return math.log((observed + 0.5) / (mean + 0.5))


@dataclass(frozen=True)
class Evidence:
    """The span that gives a rise away: its length, what was counted there, what was expected, how rare."""

    seconds: float
    observed: float
    expected: float
    dispersion: float
    score: float


class CountEvidence(AnomalyDetector):
    """``-log10`` of the chance of a count this high, at the most telling of several spans.

    The expected count of each window comes from a :class:`~detectors.seasonal.SeasonalBaseline`
    (level × hour-of-day × weekend factor), learnt on values clipped a few standard deviations
    above it, so a spike barely moves it. Over each span of ``scales`` (the window alone, half an
    hour, two hours, six hours) the sum of the last windows' counts is compared with the sum of
    their expectations under a negative binomial: Poisson noise plus an overdispersion learnt
    online per span from the series' own variation, bursts included, so a brand whose ordinary
    news cycles double its volume needs more than a doubling, and a brand of one mention per
    five minutes that gets twenty is in a crisis for its scale. A one-window flood shows at the
    shortest span; a slow rise sustained over hours at the longer ones, where no single window
    gives it away.

    The score is the upper-tail probability of the most telling span as ``-log10 p``, less
    ``log10`` of the number of spans (Bonferroni): a threshold of ``s`` means "one window in
    ``10^s``" under the model. It is not calibrated on the series' past, so it keeps growing with
    the size of the excess: ×36 scores far above ×3.

    :meth:`observe_one` moves the sums past a window without learning it as normal (for a crisis
    the watch protects the model from); :meth:`expectation` gives the expected count and
    dispersion of any part of the next window, the same baseline its score uses.

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
        Seconds after which a change in a span's overdispersion is half learnt.
    scales
        The spans, in seconds, over which counts are summed; anything up to ``window_seconds``
        is the window alone.
    seasonal
        Whether the baseline learns the daily and weekly rhythm.

    Examples
    --------
    >>> import random
    >>> from datetime import datetime, timedelta
    >>> rng = random.Random(42)
    >>> detector = CountEvidence(window_seconds=300)
    >>> t0 = datetime(2026, 3, 2)
    >>> for i in range(4 * 288):
    ...     detector.learn_one({"value": rng.randint(15, 25), "time": t0 + timedelta(minutes=5 * i)})
    >>> now = t0 + timedelta(days=4)
    >>> [round(detector.score_one({"value": value, "time": now}), 1) for value in (24, 60, 720)]
    [0.1, 3.1, 5.2]
    >>> mean, dispersion = detector.expectation(now, seconds=60)  # the first minute of the next window
    >>> round(mean, 1), round(dispersion, 3)
    (4.0, 0.0)
    """

    def __init__(
        self,
        window_seconds: float = 60.0,
        warm_up: float = DAY,
        level_half_life: float = 12 * HOUR,
        season_half_life: float = 3 * HOUR,
        dispersion_half_life: float = 7 * DAY,
        scales: Sequence[float] = (0.0, 0.5 * HOUR, 2 * HOUR, 6 * HOUR),
        seasonal: bool = True,
        burst_prior_seconds: float = DAY,
    ) -> None:
        self.window_seconds = window_seconds
        self.warm_up = warm_up
        self.level_half_life = level_half_life
        self.season_half_life = season_half_life
        self.dispersion_half_life = dispersion_half_life
        self.scales = scales
        self.seasonal = seasonal
        self.burst_prior_seconds = burst_prior_seconds
        self.baseline = SeasonalBaseline(window_seconds, level_half_life, season_half_life, seasonal)
        #: Per span: how many windows it sums.
        self.spans = [max(1, round(s / window_seconds)) for s in scales]
        longest = max(self.spans) - 1
        #: The last windows before this one (counts, and what was expected of them), newest last.
        self.recent_values: deque[float] = deque(maxlen=longest)
        self.recent_expected: deque[float] = deque(maxlen=longest)
        #: Per span: the sums of those of its windows before this one.
        self.value_sums = [0.0] * len(scales)
        self.expected_sums = [0.0] * len(scales)
        #: Per span: the overdispersion of its sum, and decayed counts of windows, bursts and burst sizes.
        self.dispersions = [0.0] * len(scales)
        self.windows_seen = [0.0] * len(scales)
        self.bursts_seen = [0.0] * len(scales)
        self.burst_excess = [0.0] * len(scales)
        #: Per span: the peak excess of the burst going on, ``None`` outside bursts.
        self.episode_peaks: list[float | None] = [None] * len(scales)
        self.n_seen = 0

    @property
    def warming_up(self) -> bool:
        return self.n_seen * self.window_seconds < self.warm_up

    def expected(self, time: datetime | float) -> float:
        """The expected count of the window starting at ``time``."""
        return max(self.baseline.expected(time), FLOOR_PER_HOUR * self.window_seconds / HOUR)

    def expectation(self, time: datetime | float, seconds: float | None = None) -> tuple[float, float]:
        """The expected count over the first ``seconds`` of the window at ``time`` (all of it by default),
        and its dispersion: the count is negative-binomial with variance ``mean + dispersion × mean²``.

        What an early judgement of a window still open tests its partial count against.
        """
        fraction = 1.0 if seconds is None else seconds / self.window_seconds
        return self.expected(time) * fraction, self.dispersions[0]

    def spread(self, expected: float) -> float:
        """The standard deviation of one window's count around ``expected``."""
        return math.sqrt(expected + self.dispersions[0] * expected**2)

    def usual_range(self, x: dict) -> tuple[float, float, float]:
        """What is usual at ``x["time"]``: the expectation, one standard deviation either side."""
        expected = self.expected(x["time"])
        spread = self.spread(expected)
        return expected, max(0.0, expected - spread), expected + spread

    def _sums(self, value: float, expected: float) -> list[tuple[float, float]]:
        """Per span, with this window included: the counts' sum and the expectations' sum."""
        return [(value + v, expected + e) for v, e in zip(self.value_sums, self.expected_sums)]

    def evidence(self, x: dict) -> Evidence:
        """The most telling span for ``x`` and what it says; its ``score`` is :meth:`score_one`."""
        if self.warming_up or self.n_seen == 0:
            return Evidence(self.window_seconds, float(x["value"]), self.expected(x["time"]), 0.0, 0.0)
        best = None
        sums = self._sums(float(x["value"]), self.expected(x["time"]))
        for k, (span, (observed, mean)) in enumerate(zip(self.spans, sums)):
            rarity = surprise(self.upper_tail(k, observed, mean)) if observed > mean else 0.0
            if best is None or rarity > best.score:
                best = Evidence(span * self.window_seconds, observed, mean, self.dispersions[k], rarity)
        return Evidence(
            best.seconds, best.observed, best.expected, best.dispersion, max(0.0, best.score - math.log10(len(self.spans)))
        )

    def burst_rate(self, k: int) -> float:
        """The share of windows in which span ``k`` bursts out of its core, prior included."""
        prior = self.burst_prior_seconds / self.window_seconds
        return (self.bursts_seen[k] + 1.0) / (self.windows_seen[k] + prior)

    def burst_size(self, k: int) -> float:
        """The mean log excess of span ``k``'s bursts beyond the cut, prior included."""
        return (self.burst_excess[k] + PRIOR_BURST_SIZE) / (self.bursts_seen[k] + 1.0)

    def _burst_cut(self, k: int, mean: float) -> float:
        """The log ratio beyond which span ``k``'s sum is a burst rather than ordinary noise."""
        return CORE_SIGMAS * math.sqrt(1.0 / (mean + 0.5) + self.dispersions[k])

    def upper_tail(self, k: int, observed: float, mean: float) -> float:
        """``P(sum >= observed)`` for span ``k``: the negative-binomial core, or a burst of the series' own kind.

        Bursts come at the learnt rate, and their log excess beyond the cut is exponential with the
        learnt mean size: a Pareto tail in the ratio, so evidence keeps growing with the excess,
        but slowly on a series whose ordinary news cycles are large.
        """
        rate = self.burst_rate(k)
        core = negative_binomial_upper_tail(observed, mean, self.dispersions[k])
        beyond = max(0.0, _log_ratio(observed, mean) - self._burst_cut(k, mean))
        return (1.0 - rate) * core + rate * math.exp(-beyond / self.burst_size(k))

    def score_one(self, x: dict) -> float:
        return self.evidence(x).score

    def _remember(self, value: float, expected: float) -> None:
        for k, span in enumerate(self.spans):
            if span > 1:
                if len(self.recent_values) >= span - 1:
                    self.value_sums[k] -= self.recent_values[1 - span]
                    self.expected_sums[k] -= self.recent_expected[1 - span]
                self.value_sums[k] += value
                self.expected_sums[k] += expected
        self.recent_values.append(value)
        self.recent_expected.append(expected)
        if self.n_seen % RESUM_EVERY == 0:
            # Running sums drift with float rounding; now and then they are summed afresh.
            values, expectations = list(self.recent_values), list(self.recent_expected)
            for k, span in enumerate(self.spans):
                if span > 1:
                    self.value_sums[k] = math.fsum(values[1 - span :])
                    self.expected_sums[k] = math.fsum(expectations[1 - span :])

    def observe_one(self, x: dict) -> None:
        """Move the sums past ``x`` without learning it as normal.

        For a window the caller keeps out of :meth:`learn_one` (a crisis): the baseline and the
        dispersions stay as they were, but two hours later the two-hour sum still holds the
        crisis, as it happened.
        """
        if self.n_seen:
            self._remember(float(x["value"]), self.expected(x["time"]))

    def learn_one(self, x: dict) -> None:
        value, time = float(x["value"]), x["time"]
        if self.n_seen == 0:
            self.baseline.learn(value, time)
            self._remember(value, max(value, self.expected(time)))
            self.n_seen += 1
            return
        expected = self.expected(time)
        rate = warm_rate(self.window_seconds, self.dispersion_half_life, self.n_seen - 1)
        keep = 1.0 - decay_rate(self.window_seconds, self.dispersion_half_life)
        for k, (observed, mean) in enumerate(self._sums(value, expected)):
            log_ratio = _log_ratio(observed, mean)
            cut = self._burst_cut(k, mean)
            # Var(log X) ≈ 1 / mean (Poisson) + dispersion; the core is learnt from values winsorised at
            # the burst cut, so bursts teach the burst component, not the spread of ordinary windows.
            excess = min(abs(log_ratio), cut) ** 2 - 1.0 / (mean + 0.5)
            self.dispersions[k] = max(0.0, self.dispersions[k] + rate * (excess - self.dispersions[k]))
            self.windows_seen[k] = keep * self.windows_seen[k] + 1.0
            self.bursts_seen[k] *= keep
            self.burst_excess[k] *= keep
            # A burst is counted once, when it starts, at the size of its peak: what the tail must say
            # is how often a burst this large starts, since one burst opens one alert at most.
            if log_ratio > cut:
                if self.episode_peaks[k] is None:
                    self.bursts_seen[k] += 1.0
                    self.episode_peaks[k] = 0.0
                peak = max(self.episode_peaks[k], log_ratio - cut)
                self.burst_excess[k] += peak - self.episode_peaks[k]
                self.episode_peaks[k] = peak
            else:
                self.episode_peaks[k] = None
        self._remember(value, expected)
        self.baseline.learn(min(value, expected + CLIP_SIGMAS * self.spread(expected)), time)
        self.n_seen += 1
