"""Everything that judges: anomaly detectors (river's protocol), baselines, severity, alerts.

Every detector is a river ``AnomalyDetector`` (``learn_one(x)``, ``score_one(x)``, higher is
more anomalous), so river's own plug in unchanged. :data:`DETECTORS` names every detector the
pipeline runs, each with the threshold it ships with: those of counts, which the pipeline can be
configured with (:data:`COUNT_DETECTORS`), and the negative share's (:data:`SHARE_DETECTOR`);
:func:`badbuzz.detectors.anomaly.signal_watches.make_watch` builds the watch of one brand's signal.
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
from badbuzz.detectors.anomaly.share_surprise import ShareSurprise
from badbuzz.detectors.anomaly.tails import surprise_threshold


@dataclass(frozen=True)
class DetectorSpec:
    """How to build a detector for a window length, and the score from which it alerts.

    ``shares`` says it judges a share out of ``x["n"]`` mentions, not a count.
    """

    build: Callable[[float], AnomalyDetector]
    threshold: Callable[[float], float]
    shares: bool = False


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
    "share_surprise": DetectorSpec(lambda w: ShareSurprise(window_seconds=w), surprise_threshold, shares=True),
}
#: The detector of every share: a share needs its denominator, which no count detector reads.
SHARE_DETECTOR = "share_surprise"
#: The detectors a count can be watched by, one of which the pipeline is configured with.
COUNT_DETECTORS: tuple[str, ...] = tuple(sorted(name for name, spec in DETECTORS.items() if not spec.shares))


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
