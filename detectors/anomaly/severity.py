"""How bad a deviation is, in words the on-call person acts on."""

from __future__ import annotations

from badbuzz.vocabulary.signals import Severity

#: A score this many times the opening threshold is a crisis, not a warning.
CRITICAL_FACTOR = 2.0
#: A window this many usual spreads above what is usual, straight after a usual one, is a crisis too:
#: how fast it rose says as much as how far.
ABRUPT_SPREADS = 8.0


def is_abrupt(value: float, usual: float, usual_high: float, *, after_usual: bool) -> bool:
    """Whether ``value`` jumped far out of the usual range straight from a window inside its own.

    ``usual_high - usual`` is one usual spread; without a spread there is no telling.

    >>> is_abrupt(200, usual=30, usual_high=36, after_usual=True)
    True
    >>> is_abrupt(200, usual=30, usual_high=36, after_usual=False)  # already high before
    False
    >>> is_abrupt(60, usual=30, usual_high=36, after_usual=True)  # 5 spreads: high, not abrupt
    False
    """
    spread = usual_high - usual
    return after_usual and spread > 0.0 and value - usual >= ABRUPT_SPREADS * spread


def severity_of(score: float, threshold: float, *, abrupt: bool = False) -> Severity | None:
    """The severity of an anomaly score, or ``None`` below the threshold.

    CRITICAL when the score is at least ``CRITICAL_FACTOR`` times the threshold, or when the
    rise was ``abrupt``.

    >>> severity_of(3.0, threshold=6.0) is None
    True
    >>> severity_of(7.5, threshold=6.0), severity_of(15.0, threshold=6.0)
    (<Severity.WARNING: 'warning'>, <Severity.CRITICAL: 'critical'>)
    >>> severity_of(7.5, threshold=6.0, abrupt=True)
    <Severity.CRITICAL: 'critical'>
    """
    if score < threshold:
        return None
    return Severity.CRITICAL if abrupt or score >= CRITICAL_FACTOR * threshold else Severity.WARNING
