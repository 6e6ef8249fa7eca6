"""The per-brand series the detectors watch, read off each closed window.

Suspected bots are left out of every one: a bad buzz is a rise of negative
mentions by people. Volume-like signals are counts (or sums of reach weights);
the negative share is a proportion whose denominator, the window's volume, says
how much to trust it.
"""

from __future__ import annotations

from enum import StrEnum

from streams.records import WindowCount


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
