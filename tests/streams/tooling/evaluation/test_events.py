from __future__ import annotations

from datetime import datetime, timedelta

from badbuzz.streams.tooling.evaluation.events import NO_EVENTS, event_figures

T0 = datetime(2026, 3, 2)
STEP = timedelta(minutes=5)
TIMES = [T0 + i * STEP for i in range(7 * 288)]  # one week


def test_windows_caught_missed_delays_and_false_alerts_per_week() -> None:
    windows = [(TIMES[100], TIMES[200]), (TIMES[500], TIMES[600]), (TIMES[1000], TIMES[1100])]
    alerts = [i in (110, 150, 530, 800, 1500) for i in range(len(TIMES))]

    figures = event_figures(TIMES, alerts, windows, step=STEP)

    assert (figures.windows, figures.caught, figures.missed) == (3, 2, 1)
    assert figures.delays == (10 * STEP, 30 * STEP)
    assert figures.median_delay == 20 * STEP and figures.worst_delay == 30 * STEP
    assert figures.false_alerts == 2
    assert figures.false_alerts_per_week == 2.0


def test_skipped_rows_count_neither_alerts_nor_windows() -> None:
    windows = [(TIMES[10], TIMES[20]), (TIMES[500], TIMES[600])]
    alerts = [i in (5, 15, 550) for i in range(len(TIMES))]
    figures = event_figures(TIMES, alerts, windows, step=STEP, skip=288)
    assert (figures.windows, figures.caught, figures.false_alerts) == (1, 1, 0)
    assert figures.watched == 6 * 288 * STEP


def test_figures_add_up_across_series() -> None:
    one = event_figures(TIMES, [i == 150 for i in range(len(TIMES))], [(TIMES[100], TIMES[200])], step=STEP)
    total = NO_EVENTS + one + one
    assert (total.windows, total.caught, total.delays, total.watched) == (2, 2, one.delays * 2, 2 * one.watched)
