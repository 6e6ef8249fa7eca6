"""Everything that judges: anomaly detectors (river's protocol), baselines, severity.

Every detector is a river ``AnomalyDetector`` (``learn_one(x)``, ``score_one(x)``,
higher is more anomalous), so river's own plug in unchanged: :data:`DETECTORS`
names those the pipeline can be configured with.
"""

from __future__ import annotations

from collections.abc import Callable

from river import anomaly, preprocessing
from river.base import AnomalyDetector

from detectors.robust_zscore import RobustZScore

DETECTORS: dict[str, Callable[[], AnomalyDetector]] = {
    "robust_zscore": RobustZScore,
    "half_space_trees": lambda: preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(seed=42),
}


def make_detector(name: str) -> AnomalyDetector:
    """A fresh detector by its configured name."""
    try:
        return DETECTORS[name]()
    except KeyError:
        raise ValueError(f"unknown detector {name!r}; choose one of {sorted(DETECTORS)}") from None
