"""Everything that judges: anomaly detectors (river's protocol), baselines, severity, alerts.

Every detector is a river ``AnomalyDetector`` (``learn_one(x)``, ``score_one(x)``, higher is
more anomalous), so river's own plug in unchanged. :data:`DETECTORS` names those the pipeline
can be configured with, each with the threshold it ships with; :func:`badbuzz.detectors.anomaly.signals.make_watch`
builds the watch of one brand's signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from river import anomaly, compose, preprocessing
from river.base import AnomalyDetector

from badbuzz.detectors.anomaly.count_evidence import THRESHOLD_FACTOR as EVIDENCE_THRESHOLD_FACTOR
from badbuzz.detectors.anomaly.count_evidence import CountEvidence
from badbuzz.detectors.anomaly.count_surprise import FALSE_ALARMS_PER_WEEK as COUNT_FALSE_ALARMS_PER_WEEK
from badbuzz.detectors.anomaly.count_surprise import CountSurprise
from badbuzz.detectors.anomaly.predictive import ForecastSurprise
from badbuzz.detectors.anomaly.robust_zscore import RobustZScore
from badbuzz.detectors.anomaly.tails import surprise_threshold


@dataclass(frozen=True)
class DetectorSpec:
    """How to build a detector for a window length, and the score from which it alerts."""

    build: Callable[[float], AnomalyDetector]
    threshold: Callable[[float], float]


def _half_space_trees(window_seconds: float) -> AnomalyDetector:
    return compose.Select("value") | preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42)


DETECTORS: dict[str, DetectorSpec] = {
    "count_evidence": DetectorSpec(
        lambda w: CountEvidence(window_seconds=w), lambda w: EVIDENCE_THRESHOLD_FACTOR * surprise_threshold(w)
    ),
    "count_surprise": DetectorSpec(
        lambda w: CountSurprise(window_seconds=w), lambda w: surprise_threshold(w, COUNT_FALSE_ALARMS_PER_WEEK)
    ),
    "robust_zscore": DetectorSpec(lambda w: RobustZScore(), lambda w: 6.0),
    "half_space_trees": DetectorSpec(_half_space_trees, lambda w: 0.9),
    "snarimax": DetectorSpec(lambda w: ForecastSurprise("snarimax", window_seconds=w), lambda w: 1.0),
    "holt_winters": DetectorSpec(lambda w: ForecastSurprise("holt_winters", window_seconds=w), lambda w: 1.0),
}


def _spec(name: str) -> DetectorSpec:
    try:
        return DETECTORS[name]
    except KeyError:
        raise ValueError(f"unknown detector {name!r}; choose one of {sorted(DETECTORS)}") from None


def make_detector(name: str, window_seconds: float = 60.0) -> AnomalyDetector:
    """A fresh detector by its configured name, for windows of ``window_seconds``.

    River's own detectors come wrapped for the ``{"value": ...}`` windows the watch feeds them:
    Half-Space Trees read the value min-max scaled over what they have seen (seeded, so runs
    repeat).

    >>> import random
    >>> rng = random.Random(42)
    >>> detector = make_detector("half_space_trees", window_seconds=300)
    >>> for _ in range(1000):
    ...     detector.learn_one({"value": rng.gauss(100, 5)})
    >>> round(detector.score_one({"value": 100}), 2), round(detector.score_one({"value": 300}), 2)
    (0.95, 1.0)
    """
    return _spec(name).build(window_seconds)


def default_threshold(name: str, window_seconds: float = 60.0) -> float:
    """The score from which the named detector alerts, as shipped."""
    return _spec(name).threshold(window_seconds)
