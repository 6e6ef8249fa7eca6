"""The per-brand series the detectors watch, read off each closed window, and the watch of each.

Suspected bots are left out of every signal: a bad buzz is a rise of negative
mentions by people. Volume-like signals are counts (or sums of reach weights);
the negative share is a proportion whose denominator, the window's volume, says
how much to trust it. Watches are built for the pipeline's window length.
"""

from __future__ import annotations

import math
from enum import StrEnum

from detectors import COUNT_DETECTORS, SHARE_DETECTOR, default_threshold, make_detector
from detectors.seasonal import HOUR
from detectors.watch import SeriesWatch
from streams.records import WindowCount

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


class SignalKind(StrEnum):
    """What a watched series measures, which decides how it is modelled."""

    #: Mentions (or negative mentions) in a window.
    COUNT = "count"
    #: A share of the window's mentions; ``observe(share, n=mentions)``.
    PROPORTION = "proportion"
    #: A heavy-tailed sum of weights (reach): modelled as an overdispersed count.
    WEIGHTED_COUNT = "weighted_count"


class Signal(StrEnum):
    VOLUME = "volume"
    NEGATIVE_VOLUME = "negative_volume"
    NEGATIVE_SHARE = "negative_share"
    NEGATIVE_REACH = "negative_reach"

    @property
    def noun(self) -> str:
        """What the value counts, as a sentence says it ("142 negative mentions in 1 min")."""
        return {
            Signal.VOLUME: "mentions",
            Signal.NEGATIVE_VOLUME: "negative mentions",
            Signal.NEGATIVE_SHARE: "negative share",
            Signal.NEGATIVE_REACH: "people reached by negative mentions",
        }[self]

    @property
    def is_share(self) -> bool:
        return self is Signal.NEGATIVE_SHARE

    @property
    def kind(self) -> SignalKind:
        if self is Signal.NEGATIVE_SHARE:
            return SignalKind.PROPORTION
        return SignalKind.WEIGHTED_COUNT if self is Signal.NEGATIVE_REACH else SignalKind.COUNT

    def value_of(self, window: WindowCount) -> float:
        """The signal's value in ``window``.

        >>> from datetime import datetime, timezone
        >>> start = datetime(2026, 11, 21, tzinfo=timezone.utc)
        >>> window = WindowCount(brand="acme", start=start, end=start, volume=40, negative=10, negative_reach=5e4)
        >>> [signal.value_of(window) for signal in Signal]
        [40.0, 10.0, 0.25, 50000.0]
        """
        match self:
            case Signal.VOLUME:
                return float(window.volume)
            case Signal.NEGATIVE_VOLUME:
                return float(window.negative)
            case Signal.NEGATIVE_SHARE:
                return window.negative_share
            case Signal.NEGATIVE_REACH:
                return window.negative_reach

    def format(self, value: float) -> str:
        """E.g. ``"58 %"`` for a share, ``"1,204"`` for a count."""
        return f"{value:.0%}".replace("%", " %") if self.is_share else f"{value:,.0f}"


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
    :data:`~detectors.COUNT_DETECTORS` (weighted counts the calibrated :data:`WEIGHTED_DETECTOR`
    when it is a count model); proportions always use :data:`~detectors.SHARE_DETECTOR`, which
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
