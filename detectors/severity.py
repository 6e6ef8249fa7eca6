"""How bad a deviation is, in words the on-call person acts on."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """Ordered from least to most urgent."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


#: A score this many times the opening threshold is a crisis, not a warning.
CRITICAL_FACTOR = 2.0


def severity_of(score: float, threshold: float) -> Severity | None:
    """The severity of an anomaly score, or ``None`` below the threshold.

    >>> severity_of(3.0, threshold=6.0) is None
    True
    >>> severity_of(7.5, threshold=6.0), severity_of(15.0, threshold=6.0)
    (<Severity.WARNING: 'warning'>, <Severity.CRITICAL: 'critical'>)
    """
    if score < threshold:
        return None
    return Severity.CRITICAL if score >= CRITICAL_FACTOR * threshold else Severity.WARNING
