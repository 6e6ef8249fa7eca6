"""What is usual for a series: the numbers a human compares a spike with."""

from __future__ import annotations

from river import stats

#: Turns an inter-quartile range into a standard deviation for normally spread data.
IQR_TO_SIGMA = 1.349


class RollingBaseline:
    """Median and quartiles of the last ``window_size`` values.

    Robust by construction: a few extreme values move neither the median nor the
    quartiles, so a short spike does not inflate what counts as usual.

    Parameters
    ----------
    window_size
        How many recent values make the baseline.

    Examples
    --------
    >>> baseline = RollingBaseline(window_size=5)
    >>> for value in [10, 12, 9, 11, 300]:
    ...     baseline.update(value)
    >>> baseline.median, baseline.low, baseline.high
    (11.0, 10.0, 12.0)
    """

    def __init__(self, window_size: int = 60) -> None:
        self.window_size = window_size
        self._low = stats.RollingQuantile(0.25, window_size)
        self._median = stats.RollingQuantile(0.5, window_size)
        self._high = stats.RollingQuantile(0.75, window_size)
        self.n_seen = 0

    def update(self, value: float) -> None:
        for quantile in (self._low, self._median, self._high):
            quantile.update(value)
        self.n_seen += 1

    @property
    def median(self) -> float:
        return self._median.get() or 0.0

    @property
    def low(self) -> float:
        return self._low.get() or 0.0

    @property
    def high(self) -> float:
        return self._high.get() or 0.0

    @property
    def sigma(self) -> float:
        """A robust standard deviation: the inter-quartile range rescaled."""
        return (self.high - self.low) / IQR_TO_SIGMA
