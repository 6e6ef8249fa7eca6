"""One watched series of one brand: a detector, its baseline, and when an alert starts and ends.

The hysteresis lives here, not in the incident tracker, so what the benchmark and the backtest
count as alerts is exactly what the pipeline opens incidents on.
"""

from __future__ import annotations

from datetime import datetime

from river.base import AnomalyDetector

from badbuzz.detectors.anomaly.abilities import (
    GivesEvidence,
    JudgesPartialWindows,
    KnowsUsualRange,
    ObservesProtectedWindows,
    SettlesAfterAlerts,
)
from badbuzz.detectors.anomaly.baseline import RollingBaseline
from badbuzz.detectors.anomaly.severity import CRITICAL_FACTOR, is_abrupt, severity_of
from badbuzz.vocabulary.signals import Judgement, Severity

#: An open window opens an incident only on evidence this many times the closed-window
#: threshold (the critical level): it is judged several times before it closes, on fewer
#: mentions, and a false alarm a minute early is worth nothing.
EARLY_FACTOR = CRITICAL_FACTOR


class SeriesWatch:
    """Scores each window, decides whether an alert opens, lasts or ends, and learns what is normal.

    An alert opens on a window scoring at least ``threshold`` with at least ``min_value``. It
    stays on while windows score at least ``stay_fraction × threshold``, and ends after
    ``resolve_after`` windows in a row below that: one crisis is one alert, not a flapping
    series. Windows that open or keep an alert are not learnt (river's
    ``protect_anomaly_detector``), so a crisis does not become the new normal while it lasts,
    unless the alert has gone on for ``relearn_after`` windows: a lasting shift in level is then
    learnt gradually rather than alarmed about forever. What else the detector can do (the
    abilities of :mod:`badbuzz.detectors.anomaly.abilities` it declares) is read off it once, here: one that
    :class:`~badbuzz.detectors.anomaly.abilities.ObservesProtectedWindows` still moves its sums past a protected
    window, so it sees how long a crisis lasts without learning any of it as normal; one that
    :class:`~badbuzz.detectors.anomaly.abilities.SettlesAfterAlerts` is told when an alert ends, so that the
    crisis it summed is not evidence of a second one.

    Parameters
    ----------
    detector
        Any river anomaly detector. It sees ``{"value": value, "time": time}``, plus ``"n"``
        (the denominator) for proportions.
    threshold
        The score from which a window opens an alert.
    min_value
        Windows below this value (for proportions: below this numerator, ``value × n``; for
        detectors that say which span gives a rise away, :class:`~badbuzz.detectors.anomaly.abilities.GivesEvidence`:
        below this count over that span) never open an alert, whatever their score.
    resolve_after
        Calm windows in a row that end an alert.
    stay_fraction
        The fraction of ``threshold`` a window must still score to keep an alert on.
    relearn_after
        Windows into an alert after which its values are learnt again; ``None`` for never.
    baseline_size
        For detectors that do not say what is usual (:class:`~badbuzz.detectors.anomaly.abilities.KnowsUsualRange`):
        how many recent normal values describe it.

    Examples
    --------
    >>> from badbuzz.detectors.anomaly.robust_zscore import RobustZScore
    >>> watch = SeriesWatch(RobustZScore(grace_period=10), threshold=6.0, min_value=20, resolve_after=2)
    >>> for value in [10, 12, 9, 11, 10, 13, 8, 10, 11, 12]:
    ...     _ = watch.observe(value)
    >>> [(j.opens, j.alerting, j.resolves) for j in map(watch.observe, [11, 90, 95, 11, 12])]
    [(False, False, False), (True, True, False), (False, True, False), (False, True, False), (False, False, True)]
    """

    def __init__(
        self,
        detector: AnomalyDetector,
        *,
        threshold: float,
        min_value: float = 0.0,
        resolve_after: int = 5,
        stay_fraction: float = 0.5,
        relearn_after: int | None = None,
        baseline_size: int = 60,
    ) -> None:
        self.detector = detector
        self.threshold = threshold
        self.min_value = min_value
        self.resolve_after = resolve_after
        self.stay_fraction = stay_fraction
        self.relearn_after = relearn_after
        self.baseline_size = baseline_size
        self.baseline = None if isinstance(detector, KnowsUsualRange) else RollingBaseline(baseline_size)
        self.alerting = False
        self.calm_windows = 0
        self.alert_windows = 0
        #: Whether the previous window was within its usual range: a jump from there is abrupt.
        self.previous_usual = False
        self._read_abilities()

    def _read_abilities(self) -> None:
        detector = self.detector
        self._usual_range = detector if isinstance(detector, KnowsUsualRange) else None
        self._evidence = detector if isinstance(detector, GivesEvidence) else None
        self._settles = detector if isinstance(detector, SettlesAfterAlerts) else None
        self._observes = detector if isinstance(detector, ObservesProtectedWindows) else None
        self._partial = detector if isinstance(detector, JudgesPartialWindows) else None

    def __setstate__(self, state: dict) -> None:
        # A watch checkpointed before its abilities were read at construction reads them on restore.
        self.__dict__.update(state)
        if "_usual_range" not in state:
            self._read_abilities()

    def observe(
        self,
        value: float,
        time: datetime | float | None = None,
        n: float | None = None,
        *,
        learn_anomalies: bool = False,
    ) -> Judgement:
        """Judge one closed window: its ``value``, when it started, and for proportions the denominator.

        ``learn_anomalies`` learns the window whatever its score: a planned campaign, or an
        alert someone called a false positive, is a level to get used to, not to protect from.
        """
        x: dict = {"value": value, "time": time}
        if n is not None:
            x["n"] = n
        usual, low, high = self._usual(x)
        if self._evidence is not None:
            # The floor is on the mentions of the span that gives the rise away: twenty mentions over
            # two hours of a brand that gets one an hour pass it, though no single minute does.
            evidence = self._evidence.evidence(x)
            score, size = evidence.score, evidence.observed
        else:
            score = self.detector.score_one(x)
            # For a proportion the floor is on its numerator: a 100 % negative share of 2 mentions is no crisis.
            size = value * n if n is not None else value
        elevated = score >= self.stay_fraction * self.threshold
        if self._settles is not None:
            # A sum over hours holds a crisis for hours after it ends: for such a detector the alert
            # lasts while windows are above their usual range, and its sums settle when it ends.
            elevated = elevated and value > high
        abrupt = is_abrupt(value, usual, high, after_usual=self.previous_usual)
        self.previous_usual = value <= high
        severity = severity_of(score, self.threshold, abrupt=abrupt) if size >= self.min_value else None
        if severity is None and elevated and self.alerting:
            severity = Severity.INFO
        opens = resolves = False
        if not self.alerting and severity in (Severity.WARNING, Severity.CRITICAL):
            opens = self.alerting = True
            self.calm_windows = self.alert_windows = 0
        elif self.alerting:
            self.alert_windows += 1
            self.calm_windows = 0 if elevated else self.calm_windows + 1
            if self.calm_windows >= self.resolve_after:
                self.alerting, resolves = False, True
                if self._settles is not None:
                    self._settles.settle()
        protected = (
            not learn_anomalies
            and (opens or (self.alerting and elevated))
            and (self.relearn_after is None or self.alert_windows < self.relearn_after)
        )
        if not protected:
            self.detector.learn_one(x)
            if self.baseline is not None:
                self.baseline.update(value)
        elif self._observes is not None:
            self._observes.observe_one(x)
        return Judgement(
            value=value,
            score=score,
            severity=severity,
            usual=usual,
            usual_low=low,
            usual_high=high,
            opens=opens,
            alerting=self.alerting,
            resolves=resolves,
        )

    def judge_partial(
        self, value: float, time: datetime | float, seconds: float, n: float | None = None
    ) -> Judgement | None:
        """Judge a window still open, ``seconds`` into it, on what it holds so far; learn nothing.

        A judgement that opens the alert (CRITICAL) when the evidence is already ``EARLY_FACTOR``
        times the threshold and the floor is met; ``None`` otherwise, while an alert is on (the closed
        windows carry it), or when the detector cannot judge part of a window.

        >>> from badbuzz.detectors.anomaly.count_evidence import CountEvidence
        >>> watch = SeriesWatch(CountEvidence(window_seconds=60, warm_up=3600), threshold=7.0, min_value=10)
        >>> for minute in range(240):
        ...     _ = watch.observe(10, 60.0 * minute)
        >>> watch.judge_partial(6, 60.0 * 240, seconds=30) is None  # an ordinary half-minute
        True
        >>> early = watch.judge_partial(60, 60.0 * 240, seconds=30)
        >>> early.severity, early.opens, round(early.usual), watch.alerting
        (<Severity.CRITICAL: 'critical'>, True, 5, False)
        """
        if self.alerting or self._partial is None:
            return None
        x: dict = {"value": value, "time": time}
        if n is not None:
            x["n"] = n
        size = value * n if n is not None else value
        if size < self.min_value:
            return None
        evidence = self._partial.partial_evidence(x, seconds)
        if evidence.score < EARLY_FACTOR * self.threshold:
            return None
        return Judgement(
            value=value,
            score=evidence.score,
            severity=Severity.CRITICAL,
            usual=evidence.usual,
            usual_low=evidence.usual_low,
            usual_high=evidence.usual_high,
            opens=True,
            alerting=True,
        )

    def usual(self, value: float, time: datetime | float | None = None, n: float | None = None):
        """What is usual for a window like this one: ``(usual, usual_low, usual_high)``."""
        x: dict = {"value": value, "time": time}
        if n is not None:
            x["n"] = n
        return self._usual(x)

    def _usual(self, x: dict) -> tuple[float, float, float]:
        if self._usual_range is not None:
            return self._usual_range.usual_range(x)
        return self.baseline.median, self.baseline.low, self.baseline.high
