"""Event-level figures a user understands: crises caught or missed, how late, how many false alarms."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class EventFigures:
    """How a series of alerts matches labelled windows.

    ``delays`` holds, for each caught window, the time from the window's start to the first
    alert inside it; ``point_delays``, for each caught window with a labelled anomaly point, the
    time from that point to the first alert (negative when the alert came first): the delay a
    user feels. ``false_alerts`` counts alerts outside every window over ``watched``.
    """

    windows: int
    caught: int
    delays: tuple[timedelta, ...]
    false_alerts: int
    watched: timedelta
    point_delays: tuple[timedelta, ...] = ()

    @property
    def missed(self) -> int:
        return self.windows - self.caught

    @property
    def median_delay(self) -> timedelta | None:
        return statistics.median(self.delays) if self.delays else None

    @property
    def worst_delay(self) -> timedelta | None:
        return max(self.delays) if self.delays else None

    @property
    def median_point_delay(self) -> timedelta | None:
        return statistics.median(self.point_delays) if self.point_delays else None

    @property
    def worst_point_delay(self) -> timedelta | None:
        return max(self.point_delays) if self.point_delays else None

    @property
    def false_alerts_per_week(self) -> float:
        return self.false_alerts / (self.watched / WEEK) if self.watched > timedelta(0) else 0.0

    def __add__(self, other: EventFigures) -> EventFigures:
        return EventFigures(
            windows=self.windows + other.windows,
            caught=self.caught + other.caught,
            delays=self.delays + other.delays,
            false_alerts=self.false_alerts + other.false_alerts,
            watched=self.watched + other.watched,
            point_delays=self.point_delays + other.point_delays,
        )


NO_EVENTS = EventFigures(windows=0, caught=0, delays=(), false_alerts=0, watched=timedelta(0))


def event_figures(
    times: Sequence[datetime],
    alerts: Sequence[bool],
    windows: Sequence[tuple[datetime, datetime]],
    *,
    step: timedelta,
    skip: int = 0,
    points: Sequence[datetime] = (),
) -> EventFigures:
    """Match alert openings with labelled windows ``[start, end]``, ignoring the first ``skip`` rows.

    ``step`` is the length of one row, so a file of ``n`` rows watches ``n`` steps. ``points`` are
    the labelled anomaly points (NAB's ``labels_labels.json``); each is matched with the window
    holding it.

    >>> t0 = datetime(2026, 1, 1)
    >>> times = [t0 + timedelta(minutes=i) for i in range(60)]
    >>> alerts = [i in (12, 15, 40) for i in range(60)]
    >>> windows = [(times[10], times[20]), (times[50], times[55])]
    >>> figures = event_figures(times, alerts, windows, step=timedelta(minutes=1))
    >>> figures.caught, figures.missed, figures.median_delay, figures.false_alerts
    (1, 1, datetime.timedelta(seconds=120), 1)
    >>> figures = event_figures(times, alerts, windows, step=timedelta(minutes=1), points=[times[15]])
    >>> [delay.total_seconds() / 60 for delay in figures.point_delays]  # the alert came 3 minutes early
    [-3.0]
    """
    first_alert: dict[int, datetime] = {}
    false_alerts = 0
    for i in range(skip, len(times)):
        if not alerts[i]:
            continue
        inside = next((k for k, (start, end) in enumerate(windows) if start <= times[i] <= end), None)
        if inside is None:
            false_alerts += 1
        else:
            first_alert.setdefault(inside, times[i])
    scored = [k for k, (_, end) in enumerate(windows) if skip >= len(times) or end >= times[skip]]
    delays = tuple(first_alert[k] - windows[k][0] for k in scored if k in first_alert)
    point_of = {k: point for point in points for k, (start, end) in enumerate(windows) if start <= point <= end}
    point_delays = tuple(first_alert[k] - point_of[k] for k in scored if k in first_alert and k in point_of)
    return EventFigures(
        windows=len(scored),
        caught=len(delays),
        delays=delays,
        false_alerts=false_alerts,
        watched=step * max(0, len(times) - skip),
        point_delays=point_delays,
    )
