"""Quiet hours: low-severity notifications wait for the morning, in the brand's own time zone.

Quiet hours defer, never drop: what arrives during them is sent when they end.
They are wall-clock times, so a night from 22:00 to 07:00 lasts 8 hours on the
night clocks go forward and 10 on the night they go back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from badbuzz.vocabulary.signals import Severity

#: Back-to-back periods (a weekend of whole days) chain; a week of them is everything there can be.
_MAX_CHAINED = 8


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class QuietHours(BaseModel):
    """A daily quiet period, from ``start`` to ``end`` local time (overnight when ``end <= start``).

    >>> night = QuietHours(start="22:00", end="07:00")
    >>> paris = ZoneInfo("Europe/Paris")
    >>> # 23:00 in Paris the night clocks go forward: quiet until 07:00 summer time, 05:00 UTC.
    >>> night.ends_after(datetime(2026, 3, 28, 22, 0, tzinfo=UTC), paris)
    datetime.datetime(2026, 3, 29, 5, 0, tzinfo=datetime.timezone.utc)
    >>> night.ends_after(datetime(2026, 3, 29, 12, 0, tzinfo=UTC), paris) is None
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time
    end: time
    days: frozenset[Weekday] = Field(
        frozenset(Weekday), description="The days a period starts on (local time); every day by default."
    )
    max_severity: Severity = Field(
        Severity.WARNING, description="Incidents up to this severity wait; never critical: use a silence for that."
    )

    @field_validator("max_severity")
    @classmethod
    def _never_critical(cls, value: Severity) -> Severity:
        if value is Severity.CRITICAL:
            raise ValueError("quiet hours never hold critical incidents; max_severity must be info or warning")
        return value

    def holds(self, severity: Severity) -> bool:
        return severity.rank <= self.max_severity.rank

    def ends_after(self, at: datetime, zone: ZoneInfo) -> datetime | None:
        """When the quiet period ``at`` falls in, in ``zone``, ends (UTC), or ``None`` outside one."""
        end = self._period_end(at, zone)
        if end is None:
            return None
        for _ in range(_MAX_CHAINED):
            following = self._period_end(end, zone)
            if following is None:
                break
            end = following
        return end

    def _period_end(self, at: datetime, zone: ZoneInfo) -> datetime | None:
        # Aware datetimes sharing a tzinfo compare by wall clock, ignoring DST folds: compare in UTC.
        at = at.astimezone(UTC)
        local = at.astimezone(zone)
        overnight = self.end <= self.start
        # A period that started yesterday evening may still be running this morning.
        for day in (local.date() - timedelta(days=1), local.date()):
            if _weekday(day) not in self.days:
                continue
            start = _wall_clock(day, self.start, zone)
            end = _wall_clock(day + timedelta(days=overnight), self.end, zone)
            if start <= at < end:
                return end
        return None


def _weekday(day: date) -> Weekday:
    return list(Weekday)[day.weekday()]


def _wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local time on a day, in UTC.

    A time the clocks skip reads as if they had not moved yet (02:30 is 03:30 summer
    time); a time they show twice is its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
