"""The per-brand series the detectors watch, read off each closed window, and the watch of each.

Suspected bots are left out of every signal: a bad buzz is a rise of negative
mentions by people. Volume-like signals are counts (or sums of reach weights);
the negative share is a proportion whose denominator, the window's volume, says
how much to trust it. Watches are built for the pipeline's window length.
"""

from __future__ import annotations

import math

from badbuzz.detectors.anomaly import COUNT_DETECTORS, SHARE_DETECTOR, default_threshold, make_detector
from badbuzz.detectors.anomaly.seasonal import HOUR
from badbuzz.detectors.anomaly.watch import SeriesWatch
from badbuzz.vocabulary.signals import SignalKind

DEFAULT_DETECTOR = "count_evidence"
#: Detectors whose model is a count of mentions: a sum of reach weights is no such count (one post
#: of a big account weighs thousands), so weighted counts are watched by the detector that
#: calibrates on the series' own history instead.
COUNT_MODELS = frozenset({"count_evidence"})
WEIGHTED_DETECTOR = "count_surprise"
#: A window with fewer mentions (or, for a share, fewer negative mentions) never alerts.
DEFAULT_MIN_COUNT = 10.0
#: An alert ends after this long without an elevated window.
RESOLVE_AFTER_SECONDS = 3 * HOUR
#: An alert this old is a new level: its values are learnt again.
RELEARN_AFTER_SECONDS = 6 * HOUR


def windows_in(seconds: float, window_seconds: float) -> int:
    return max(1, math.ceil(seconds / window_seconds))


def make_watch(
    kind: SignalKind,
    window_seconds: float,
    *,
    detector: str = DEFAULT_DETECTOR,
    threshold: float | None = None,
    min_count: float = DEFAULT_MIN_COUNT,
    resolve_after_seconds: float = RESOLVE_AFTER_SECONDS,
    relearn_after_seconds: float | None = RELEARN_AFTER_SECONDS,
) -> SeriesWatch:
    """A fresh watch for one brand's signal of this kind.

    Counts and weighted counts use the named ``detector``, one of
    :data:`~badbuzz.detectors.anomaly.COUNT_DETECTORS` (weighted counts the calibrated :data:`WEIGHTED_DETECTOR`
    when it is a count model); proportions always use :data:`~badbuzz.detectors.anomaly.SHARE_DETECTOR`, which
    reads the denominator. ``threshold`` defaults to the detector's shipped one.

    >>> watch = make_watch(SignalKind.COUNT, window_seconds=60)
    >>> round(watch.threshold, 1), watch.resolve_after, watch.relearn_after
    (7.1, 180, 360)
    """
    if kind is SignalKind.PROPORTION:
        detector = SHARE_DETECTOR
    elif detector not in COUNT_DETECTORS:
        raise ValueError(f"unknown count detector {detector!r}; choose one of {list(COUNT_DETECTORS)}")
    elif kind is SignalKind.WEIGHTED_COUNT and detector in COUNT_MODELS:
        detector = WEIGHTED_DETECTOR
    model = make_detector(detector, window_seconds)
    threshold = default_threshold(detector, window_seconds) if threshold is None else threshold
    return SeriesWatch(
        model,
        threshold=threshold,
        min_value=0.0 if kind is SignalKind.WEIGHTED_COUNT else min_count,
        resolve_after=windows_in(resolve_after_seconds, window_seconds),
        relearn_after=None if relearn_after_seconds is None else windows_in(relearn_after_seconds, window_seconds),
    )
