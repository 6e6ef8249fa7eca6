"""One watched series of one brand: a detector, its baseline, and the verdict on each value."""

from __future__ import annotations

from dataclasses import dataclass

from river.base import AnomalyDetector

from detectors.baseline import RollingBaseline
from detectors.severity import Severity, severity_of


@dataclass(frozen=True)
class Judgement:
    """The verdict on one value, with what it was compared with."""

    value: float
    score: float
    severity: Severity | None
    usual: float
    usual_low: float
    usual_high: float

    @property
    def anomalous(self) -> bool:
        return self.severity is not None


class SeriesWatch:
    """Scores each value of a series, then learns it unless it was anomalous.

    Not learning anomalies (river's ``protect_anomaly_detector``) keeps a crisis
    from becoming the new normal while it lasts.

    Parameters
    ----------
    detector
        Any river anomaly detector; it sees ``{feature: value}``.
    threshold
        The score from which a value is anomalous.
    min_value
        Values below this are never anomalous, whatever their score: a few mentions
        are no crisis even for a brand that usually has none.
    feature
        The name the detector sees the value under.
    baseline_size
        How many recent normal values describe what is usual.

    Examples
    --------
    >>> from detectors.robust_zscore import RobustZScore
    >>> watch = SeriesWatch(RobustZScore(grace_period=10), threshold=6.0, min_value=20)
    >>> for value in [10, 12, 9, 11, 10, 13, 8, 10, 11, 12]:
    ...     _ = watch.observe(value)
    >>> watch.observe(11).anomalous, watch.observe(90).severity
    (False, <Severity.CRITICAL: 'critical'>)
    >>> judgement = watch.observe(12)
    >>> judgement.usual, judgement.anomalous
    (11.0, False)
    """

    def __init__(
        self,
        detector: AnomalyDetector,
        *,
        threshold: float,
        min_value: float = 0.0,
        feature: str = "volume",
        baseline_size: int = 60,
    ) -> None:
        self.detector = detector
        self.threshold = threshold
        self.min_value = min_value
        self.feature = feature
        self.baseline = RollingBaseline(baseline_size)

    def observe(self, value: float) -> Judgement:
        x = {self.feature: value}
        score = self.detector.score_one(x)
        severity = severity_of(score, self.threshold) if value >= self.min_value else None
        judgement = Judgement(
            value=value,
            score=score,
            severity=severity,
            usual=self.baseline.median,
            usual_low=self.baseline.low,
            usual_high=self.baseline.high,
        )
        if not judgement.anomalous:
            self.detector.learn_one(x)
            self.baseline.update(value)
        return judgement
