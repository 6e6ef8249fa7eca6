"""How much evidence a count gives of a rise, under a seasonal negative-binomial model, over several spans."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from datetime import datetime

from river.base import AnomalyDetector
from scipy.special import betainc, gammainc, gammaln

from badbuzz.detectors.anomaly.abilities import (
    Evidence,
    GivesEvidence,
    JudgesPartialWindows,
    KnowsUsualRange,
    ObservesProtectedWindows,
    PartialEvidence,
    SettlesAfterAlerts,
)
from badbuzz.detectors.anomaly.seasonal import DAY, HOUR, SeasonalBaseline, warm_rate

#: What a silent series is still expected to get: one mention an hour, whatever the window.
FLOOR_PER_HOUR = 1.0
#: The shipped threshold is this many times the surprise of a window that would come 0.2 times a week
#: under the model (6.0 for 5-minute windows, 7.1 for 1-minute ones): the tail calibrated at one in a
#: thousand is still lighter than tweets' beyond it. Chosen on NAB's five shared series, in-sample;
#: the leave-one-out figure of ``bench/nab.py`` says what the choice is worth on a series not seen.
THRESHOLD_FACTOR = 1.5
#: The tail is calibrated at this surprise: a span's sum one-in-a-thousand under the model must start
#: (rise past it from below) in at most one window in a thousand of this series.
CALIBRATION_SURPRISE = 3.0
#: How much one such start widens the dispersion (on the log scale); the calm windows between
#: starts narrow it back, so that starts settle at the calibrated rate.
TAIL_STEP = 0.1
#: Running sums are summed afresh every this many windows.
RESUM_EVERY = 1000
#: Learnt values are clipped this many standard deviations above what was expected.
CLIP_SIGMAS = 3.0


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


def negative_binomial_surprise(observed: float, mean: float, dispersion: float) -> float:
    """``-log10`` of :func:`negative_binomial_upper_tail`, without a ceiling where it underflows.

    Past about 300 the tail is below what a float holds; the probability of the value itself,
    a lower bound of the tail within a small factor, keeps the evidence growing.

    >>> [round(negative_binomial_surprise(k * 80, mean=80, dispersion=0.01)) for k in (3, 10, 36)]
    [22, 173, 853]
    """
    tail = negative_binomial_upper_tail(observed, mean, dispersion)
    if tail > 1e-300:
        return max(0.0, -math.log10(tail))
    if dispersion <= 1e-9:
        log_mass = observed * math.log(mean) - mean - gammaln(observed + 1.0)
    else:
        size = 1.0 / dispersion
        log_mass = (
            gammaln(observed + size)
            - gammaln(size)
            - gammaln(observed + 1.0)
            + size * math.log(size / (size + mean))
            + observed * math.log(mean / (size + mean))
        )
    return float(-log_mass / math.log(10.0))


def _log_ratio(observed: float, mean: float) -> float:
    return math.log((observed + 0.5) / (mean + 0.5))


@KnowsUsualRange.register
@GivesEvidence.register
@SettlesAfterAlerts.register
@ObservesProtectedWindows.register
@JudgesPartialWindows.register
class CountEvidence(AnomalyDetector):
    """``-log10`` of the chance of a count this high, at the most telling of several spans.

    The expected count of each window comes from a :class:`~badbuzz.detectors.anomaly.seasonal.SeasonalBaseline`
    (level × hour-of-day × weekend factor), taught each window once it has left the longest span
    (so a span is judged against what was expected before it began) and clipped a few standard
    deviations above it, so a spike barely moves it. Over each span of ``scales`` (the window
    alone, half an hour, two hours, six hours) the sum of the last windows' counts is compared
    with the sum of their expectations under a negative binomial: Poisson noise, plus an
    overdispersion learnt online per span on ordinary (winsorised) windows, widened by a tail
    factor until this series' own one-in-a-thousand rises start no more often than one window in
    a thousand (quantile tracking, a rise counted once however long it lasts). So a brand whose
    ordinary news cycles double its volume needs more than a doubling, and a brand of one
    mention per five minutes that gets twenty is in a crisis for its scale. A one-window flood
    shows at the shortest span; a slow rise sustained over hours at the longer ones, where no
    single window gives it away.

    The score is the upper-tail probability of the most telling span as ``-log10 p``, less
    ``log10`` of the number of spans (Bonferroni). The series' past sets the model's width, not
    a ceiling on the score, so it keeps growing with the size of the excess: ×36 scores far
    above ×3. :meth:`evidence` says which span gave a rise away and how many mentions it counts
    (what the watch's floor applies to); :meth:`settle` lets the sums start afresh once an alert
    has ended.

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
        See :class:`~badbuzz.detectors.anomaly.seasonal.SeasonalBaseline`.
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
    [0.1, 12.0, 820.9]
    >>> mean, dispersion = detector.expectation(now, seconds=60)  # the first minute of the next window
    >>> round(mean, 1), round(dispersion, 3)
    (4.0, 0.0)
    """

    def __init__(
        self,
        window_seconds: float = 60.0,
        warm_up: float = DAY,
        level_half_life: float = DAY,
        season_half_life: float = 3 * HOUR,
        dispersion_half_life: float = 7 * DAY,
        scales: Sequence[float] = (0.0, 0.5 * HOUR, 2 * HOUR, 6 * HOUR),
        seasonal: bool = True,
    ) -> None:
        self.window_seconds = window_seconds
        self.warm_up = warm_up
        self.level_half_life = level_half_life
        self.season_half_life = season_half_life
        self.dispersion_half_life = dispersion_half_life
        self.scales = scales
        self.seasonal = seasonal
        self.baseline = SeasonalBaseline(window_seconds, level_half_life, season_half_life, seasonal)
        #: Per span: how many windows it sums.
        self.spans = [max(1, round(s / window_seconds)) for s in scales]
        longest = max(self.spans) - 1
        #: The last windows before this one (counts, and what was expected of them), newest last.
        self.recent_values: deque[float] = deque(maxlen=longest)
        self.recent_expected: deque[float] = deque(maxlen=longest)
        #: Windows learnt but not yet taught to the baseline: ``(value, POSIX time, expected)`` or ``None`` for a
        #: window kept out of learning. The baseline learns a window once it has left the longest span.
        self.pending: deque[tuple[float, float, float] | None] = deque()
        #: Per span: the sums of those of its windows before this one.
        self.value_sums = [0.0] * len(scales)
        self.expected_sums = [0.0] * len(scales)
        #: Per span: the excess variance of its sum (on the log scale), the log of how much the series'
        #: tail widens it, and how many windows in a row its sum has stayed below the calibration surprise.
        self.dispersions = [0.0] * len(scales)
        self.tail_factors = [0.0] * len(scales)
        self.calm_windows = [0] * len(scales)
        self.n_seen = 0
        self.n_dispersion = 0

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
        return self.expected(time) * fraction, self.dispersion(0)

    def partial_evidence(self, x: dict, seconds: float) -> PartialEvidence:
        """The count of the first ``seconds`` of the window at ``x["time"]`` against its :meth:`expectation`.

        The negative-binomial tail of the window's own span (a rate mixed over the window keeps
        its dispersion over part of it), with no learning; nothing scores while warming up.

        >>> import random
        >>> from datetime import datetime, timedelta
        >>> rng = random.Random(7)
        >>> detector = CountEvidence(window_seconds=60)
        >>> t0 = datetime(2026, 3, 2)
        >>> for i in range(2 * 1440):
        ...     detector.learn_one({"value": rng.randint(8, 12), "time": t0 + timedelta(minutes=i)})
        >>> now = t0 + timedelta(days=2)
        >>> [round(detector.partial_evidence({"value": value, "time": now}, seconds=20).score, 1) for value in (4, 40)]
        [0.4, 28.4]
        """
        mean, dispersion = self.expectation(x["time"], seconds)
        spread = math.sqrt(mean + dispersion * mean**2)
        observed = float(x["value"])
        warming = self.warming_up or self.n_seen == 0
        score = 0.0 if warming or observed <= mean else negative_binomial_surprise(observed, mean, dispersion)
        return PartialEvidence(score, mean, max(0.0, mean - spread), mean + spread)

    def spread(self, expected: float) -> float:
        """The standard deviation of one window's count around ``expected``."""
        return math.sqrt(expected + self.dispersion(0) * expected**2)

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
            rarity = self.surprise(k, observed, mean)
            if best is None or rarity > best.score:
                best = Evidence(span * self.window_seconds, observed, mean, self.dispersion(k), rarity)
        return Evidence(
            best.seconds,
            best.observed,
            best.expected,
            best.dispersion,
            max(0.0, best.score - math.log10(len(self.spans))),
        )

    def dispersion(self, k: int) -> float:
        """Span ``k``'s overdispersion: its sum's excess variance, widened by the series' own tail."""
        return self.dispersions[k] * math.exp(self.tail_factors[k])

    def surprise(self, k: int, observed: float, mean: float) -> float:
        """``-log10 P(sum >= observed)`` for span ``k`` under its negative binomial; 0 for a fall."""
        return negative_binomial_surprise(observed, mean, self.dispersion(k)) if observed > mean else 0.0

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

    def _calibrate(self, sums: list[tuple[float, float]]) -> None:
        """Widen or narrow each span's tail so that sums past the calibration surprise start at its rate.

        Quantile tracking: a start past it widens the tail by ``TAIL_STEP``, each window without one
        narrows it by ``TAIL_STEP × p / (1 - p)``, so starts settle at ``p``. Recurring bursts thus
        become part of the model, and a burst counts once however long it lasts. Windows a watch
        protects count too: a burst that alerts every time is, by then, how the series behaves.
        """
        if self.warming_up:
            return
        p = 10.0**-CALIBRATION_SURPRISE
        for k, ((observed, mean), span) in enumerate(zip(sums, self.spans)):
            rarity = self.surprise(k, observed, mean)
            if rarity >= CALIBRATION_SURPRISE:
                # A sum wavering about the level is one start, not one per crossing: a start needs a
                # whole span below it first. A start far past the level widens more (by the log of how
                # far), so a series whose news cycles are huge learns so in a few of them.
                if self.calm_windows[k] >= span:
                    self.tail_factors[k] += TAIL_STEP * (1.0 + math.log(rarity / CALIBRATION_SURPRISE))
                self.calm_windows[k] = 0
            else:
                self.tail_factors[k] = max(0.0, self.tail_factors[k] - TAIL_STEP * p / (1.0 - p))
                self.calm_windows[k] += 1

    def settle(self) -> None:
        """Let the last hours count as they were expected: a crisis that has ended is no evidence of the next.

        A watch calls it when an alert resolves, so that a six-hour sum still holding the crisis
        does not open a second alert for it.
        """
        self.recent_values = deque(self.recent_expected, maxlen=self.recent_values.maxlen)
        expectations = list(self.recent_expected)
        for k, span in enumerate(self.spans):
            if span > 1:
                self.value_sums[k] = self.expected_sums[k] = math.fsum(expectations[1 - span :])
        self.calm_windows = [max(self.spans)] * len(self.spans)

    def observe_one(self, x: dict) -> None:
        """Move the sums past ``x`` without learning it as normal.

        For a window the caller keeps out of :meth:`learn_one` (a crisis): the baseline and the
        dispersions stay as they were, but two hours later the two-hour sum still holds the
        crisis, as it happened.
        """
        if self.n_seen:
            value, expected = float(x["value"]), self.expected(x["time"])
            self._calibrate(self._sums(value, expected))
            self._remember(value, expected)
            self._teach(None)

    def learn_one(self, x: dict) -> None:
        value, time = float(x["value"]), x["time"]
        if self.n_seen == 0:
            # The very first window sets the level at once: there is nothing to judge it against yet.
            self.baseline.learn(value, time)
            self._remember(value, max(value, self.expected(time)))
            self.n_seen += 1
            return
        expected = self.expected(time)
        sums = self._sums(value, expected)
        self._calibrate(sums)
        # In the first half of the warm-up the baseline is still finding the level (and learns a longest
        # span late): its misses would teach the spread. The second half gives it a spread to start from.
        spreading = 2 * self.n_seen * self.window_seconds >= self.warm_up
        rate = warm_rate(self.window_seconds, self.dispersion_half_life, self.n_dispersion) if spreading else 0.0
        self.n_dispersion += spreading
        for k, (observed, mean) in enumerate(sums):
            # Var(log X) ≈ 1 / mean (Poisson) + dispersion: the excess of the squared log ratio is the latter,
            # learnt on log ratios winsorised a few of its deviations out. The core spread is that of
            # ordinary windows; how far and how often the series bursts is the tail factor's business.
            cap = CLIP_SIGMAS * math.sqrt(1.0 / (mean + 0.5) + self.dispersions[k])
            log_ratio = min(abs(_log_ratio(observed, mean)), cap)
            excess = log_ratio**2 - 1.0 / (mean + 0.5)
            self.dispersions[k] = max(0.0, self.dispersions[k] + rate * (excess - self.dispersions[k]))
        self._remember(value, expected)
        self._teach((value, time.timestamp() if isinstance(time, datetime) else float(time), expected))
        self.n_seen += 1

    def _teach(self, window: tuple[float, float, float] | None) -> None:
        # A span is judged against what was expected before it began: a rise sustained for hours would
        # otherwise teach the baseline its own level while it builds up, and never become evidence.
        self.pending.append(window)
        while len(self.pending) > max(self.spans) - 1:
            oldest = self.pending.popleft()
            if oldest is not None:
                value, time, expected = oldest
                self.baseline.learn(min(value, expected + CLIP_SIGMAS * self.spread(expected)), time)
