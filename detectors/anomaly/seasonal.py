"""What a series usually does at this time of day and week, learnt online with a decay.

Parameters are durations, not numbers of points, so the same settings mean the same thing
for 1-minute windows in the pipeline and 5-minute counts in a benchmark.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

HOUR = 3600.0
DAY = 24 * HOUR
#: Hour of day × (weekday, weekend).
N_SLOTS = 48


def decay_rate(step_seconds: float, half_life_seconds: float) -> float:
    """The weight of a new observation in an exponential average with this half-life.

    >>> round(decay_rate(300, 3600), 4)  # 12 five-minute steps per hour
    0.0561
    """
    return 1.0 - 0.5 ** (step_seconds / half_life_seconds)


def warm_rate(step_seconds: float, half_life_seconds: float, n_seen: float) -> float:
    """:func:`decay_rate`, but a plain running mean while there are fewer points than it averages over.

    Without it the first value would weigh like days of data.

    >>> warm_rate(300, 3600, n_seen=0), warm_rate(300, 3600, n_seen=3), round(warm_rate(300, 3600, n_seen=1000), 4)
    (1.0, 0.25, 0.0561)
    """
    return max(decay_rate(step_seconds, half_life_seconds), 1.0 / (n_seen + 1.0))


def slot_of(time: datetime | float) -> int:
    """The seasonal slot of a time: its hour, plus 24 on Saturdays and Sundays (UTC when naive).

    >>> slot_of(datetime(2026, 3, 2, 14, 5)), slot_of(datetime(2026, 3, 7, 14, 5))  # a Monday, a Saturday
    (14, 38)
    """
    if not isinstance(time, datetime):
        time = datetime.fromtimestamp(time, UTC)
    return time.hour + (24 if time.weekday() >= 5 else 0)


class SeasonalBaseline:
    """Expected value = a deseasonalised level × the factor of the hour-of-day × weekend slot.

    A multiplicative Holt-Winters without trend, learnt on values the caller has already
    clipped: a slot's factor is shrunk towards 1 until the slot has been seen for about an hour,
    so the first weekend does not look like a crisis (or a lull) for lack of data.

    Parameters
    ----------
    step_seconds
        The time between two values (the window length).
    level_half_life
        Seconds after which a change in the overall level is half learnt.
    season_half_life
        Seconds of a slot's own observations after which a change in its factor is half learnt.
    seasonal
        Whether to learn the daily and weekly rhythm at all.

    Examples
    --------
    >>> from datetime import timedelta
    >>> baseline = SeasonalBaseline(step_seconds=3600)
    >>> t0 = datetime(2026, 3, 2)
    >>> for h in range(24 * 14):  # two weeks: busy 9-18, quiet otherwise
    ...     t = t0 + timedelta(hours=h)
    ...     baseline.learn(100.0 if 9 <= t.hour < 18 else 10.0, t)
    >>> [round(baseline.expected(t0 + timedelta(days=14, hours=hour))) for hour in (3, 12)]
    [13, 100]
    """

    def __init__(
        self,
        step_seconds: float,
        level_half_life: float = 12 * HOUR,
        season_half_life: float = 3 * HOUR,
        seasonal: bool = True,
    ) -> None:
        self.step_seconds = step_seconds
        self.level_half_life = level_half_life
        self.season_half_life = season_half_life
        self.seasonal = seasonal
        self.level: float | None = None
        self.n_seen = 0
        self.factors = [1.0] * N_SLOTS
        self.seen = [0.0] * N_SLOTS

    def _factor(self, slot: int) -> float:
        if not self.seasonal:
            return 1.0
        # Shrink towards 1 until the slot has been seen for an hour of its own observations.
        prior = HOUR / self.step_seconds
        seen = self.seen[slot]
        return (seen * self.factors[slot] + prior) / (seen + prior)

    def expected(self, time: datetime | float) -> float:
        if self.level is None:
            return 0.0
        return self.level * self._factor(slot_of(time))

    def learn(self, value: float, time: datetime | float) -> None:
        slot = slot_of(time)
        factor = self._factor(slot)
        deseasonalised = value / factor if factor > 0 else value
        rate = warm_rate(self.step_seconds, self.level_half_life, self.n_seen)
        self.level = deseasonalised if self.level is None else self.level + rate * (deseasonalised - self.level)
        self.n_seen += 1
        if self.seasonal and self.level > 0:
            rate = warm_rate(self.step_seconds, self.season_half_life, self.seen[slot])
            self.factors[slot] += rate * (value / self.level - self.factors[slot])
            self.seen[slot] = min(self.seen[slot] + 1.0, math.inf)
