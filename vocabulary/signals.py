"""The series badbuzz watches per brand, how urgent a deviation is, and the verdict on a window."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from badbuzz.vocabulary.records import WindowCount


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


class Severity(StrEnum):
    """Ordered from least to most urgent."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class Judgement:
    """The verdict on one window, with what it was compared with and what it does to the alert.

    ``severity`` is this window's own: WARNING or CRITICAL from the threshold (CRITICAL when the
    score is far past it or the value jumped there from a usual window), INFO for a window
    still elevated in an open alert, ``None`` otherwise. ``opens``,
    ``alerting`` and ``resolves`` are the alert's lifecycle: an alert opens on one window,
    stays on (``alerting``) through the following ones, and ``resolves`` on the window that
    ends it, which is no longer alerting.
    """

    value: float
    score: float
    severity: Severity | None
    usual: float
    usual_low: float
    usual_high: float
    opens: bool = False
    alerting: bool = False
    resolves: bool = False

    @property
    def anomalous(self) -> bool:
        """Whether this window alone would open an alert."""
        return self.severity is not None and self.severity is not Severity.INFO
