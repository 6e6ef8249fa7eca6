"""Quiet hours: wall-clock periods in a zone, overnight, by weekday, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from badbuzz.alerts.policy.quiet_hours import QuietHours
from badbuzz.vocabulary.signals import Severity

PARIS = ZoneInfo("Europe/Paris")


def paris(*fields: int, fold: int = 0) -> datetime:
    return datetime(*fields, tzinfo=PARIS, fold=fold).astimezone(UTC)


@pytest.mark.parametrize(
    ("at", "ends"),
    [
        (paris(2026, 3, 28, 21, 59), None),
        (paris(2026, 3, 28, 22, 0), paris(2026, 3, 29, 7, 0)),
        (paris(2026, 3, 29, 1, 59), paris(2026, 3, 29, 7, 0)),
        (paris(2026, 3, 29, 3, 0), paris(2026, 3, 29, 7, 0)),  # one minute after 01:59: the clocks jumped
        (paris(2026, 3, 29, 7, 0), None),
        (paris(2026, 10, 25, 2, 30, fold=0), paris(2026, 10, 25, 7, 0)),
        (paris(2026, 10, 25, 2, 30, fold=1), paris(2026, 10, 25, 7, 0)),
    ],
)
def test_a_night_across_both_dst_changes(at, ends):
    assert QuietHours(start="22:00", end="07:00").ends_after(at, PARIS) == ends


def test_the_two_dst_nights_last_eight_and_ten_hours():
    night = QuietHours(start="22:00", end="07:00")
    spring = night.ends_after(paris(2026, 3, 28, 22, 0), PARIS) - paris(2026, 3, 28, 22, 0)
    autumn = night.ends_after(paris(2026, 10, 24, 22, 0), PARIS) - paris(2026, 10, 24, 22, 0)
    assert (spring.total_seconds() / 3600, autumn.total_seconds() / 3600) == (8.0, 10.0)


def test_a_start_the_clocks_skip_reads_as_summer_time():
    # 02:30 does not exist in Paris on 2026-03-29: the period starts at 03:30 summer time, 01:30 UTC.
    early = QuietHours(start="02:30", end="06:00")
    assert early.ends_after(datetime(2026, 3, 29, 1, 29, tzinfo=UTC), PARIS) is None
    assert early.ends_after(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), PARIS) == paris(2026, 3, 29, 6, 0)


def test_whole_days_chain_into_one_weekend():
    weekend = QuietHours(days={"sat", "sun"}, start="00:00", end="00:00", max_severity="info")
    assert weekend.ends_after(paris(2026, 3, 28, 10, 0), PARIS) == paris(2026, 3, 30, 0, 0)  # Saturday → Monday
    assert weekend.ends_after(paris(2026, 3, 27, 23, 59), PARIS) is None  # Friday night
    assert weekend.holds(Severity.INFO) and not weekend.holds(Severity.WARNING)


def test_weekday_evenings_only():
    evenings = QuietHours(days={"mon", "tue", "wed", "thu", "fri"}, start="20:00", end="08:00")
    assert evenings.ends_after(paris(2026, 3, 27, 23, 0), PARIS) == paris(2026, 3, 28, 8, 0)  # Friday night
    assert evenings.ends_after(paris(2026, 3, 28, 23, 0), PARIS) is None  # Saturday night
