"""Inline SVG charts of a signal against its usual band: drawn on the server, readable without JavaScript.

The same picture as the PNG in the Slack thread (the value, the band it was judged
against, the anomalous windows marked), as markup the page embeds: no image to
fetch, no script, and text a screen reader reads (``role="img"`` and a title).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from html import escape

from badbuzz.vocabulary.context import SeriesPoint

WIDTH, HEIGHT = 640, 200
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 12, 12, 28
#: Colours that keep a contrast of at least 4.5:1 on white (WCAG AA), told apart by shape too.
VALUE_COLOUR = "#1f4e9c"
BAND_COLOUR = "#d9e2ef"
USUAL_COLOUR = "#52606d"
ANOMALY_COLOUR = "#b3261e"
TICKS = 5


def series_svg(
    points: Sequence[SeriesPoint],
    *,
    title: str,
    zone: tzinfo,
    format_value: Callable[[float], str],
    chart_id: str,
    whole_numbers: bool = False,
) -> str:
    """An SVG line chart of ``points``, the usual band shaded and anomalous windows marked by red squares."""
    if not points:
        return f'<p class="empty">{escape(title)}: no window judged yet.</p>'
    inner_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    inner_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    step = nice_step(max(max(p.value, p.usual_high) for p in points) or 1.0, whole_numbers=whole_numbers)
    top = step * TICKS
    first, last = points[0].start.timestamp(), points[-1].start.timestamp()
    span = (last - first) or 1.0

    def x(point: SeriesPoint) -> float:
        return MARGIN_LEFT + (point.start.timestamp() - first) / span * inner_w

    def y(value: float) -> float:
        return MARGIN_TOP + inner_h - max(0.0, value) / top * inner_h

    band = " ".join(f"{x(p):.1f},{y(p.usual_high):.1f}" for p in points)
    band += " " + " ".join(f"{x(p):.1f},{y(p.usual_low):.1f}" for p in reversed(points))
    usual = " ".join(f"{x(p):.1f},{y(p.usual):.1f}" for p in points)
    value = " ".join(f"{x(p):.1f},{y(p.value):.1f}" for p in points)
    anomalies = "".join(
        f'<rect x="{x(p) - 3:.1f}" y="{y(p.value) - 3:.1f}" width="6" height="6" fill="{ANOMALY_COLOUR}">'
        f"<title>{_local(p.start, zone)}: {escape(format_value(p.value))} (usual {escape(format_value(p.usual))})"
        "</title></rect>"
        for p in points
        if p.anomalous
    )
    grid = "".join(
        f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y(step * i):.1f}" '
        f'y2="{y(step * i):.1f}" stroke="#e4e7eb"/>'
        f'<text x="{MARGIN_LEFT - 6}" y="{y(step * i) + 4:.1f}" text-anchor="end">'
        f"{escape(format_value(step * i))}</text>"
        for i in range(TICKS + 1)
    )
    step = max(1, len(points) // 6)
    times = "".join(
        f'<text x="{x(p):.1f}" y="{HEIGHT - 8}" text-anchor="middle">{_local(p.start, zone)}</text>'
        for p in points[::step]
    )
    latest = points[-1]
    description = (
        f"{len(points)} windows from {_local(points[0].start, zone)} to {_local(latest.start, zone)}; "
        f"latest {format_value(latest.value)}, usually {format_value(latest.usual)} "
        f"({format_value(latest.usual_low)}–{format_value(latest.usual_high)}); "
        f"{sum(p.anomalous for p in points)} anomalous windows."
    )
    return (
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
        f'<g font-size="11" fill="{USUAL_COLOUR}">{grid}{times}</g>'
        f'<polygon points="{band}" fill="{BAND_COLOUR}"/>'
        f'<polyline points="{usual}" fill="none" stroke="{USUAL_COLOUR}" stroke-dasharray="4 3" stroke-width="1.2"/>'
        f'<polyline points="{value}" fill="none" stroke="{VALUE_COLOUR}" stroke-width="2"/>'
        f"{anomalies}</svg>"
    )


def nice_step(highest: float, *, whole_numbers: bool = False) -> float:
    """A round step (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) whose :data:`TICKS` steps cover
    ``highest``; a whole number of at least 1 for counts.

    >>> nice_step(9), nice_step(612), nice_step(0.93), nice_step(12, whole_numbers=True)
    (2, 150.0, 0.2, 3)
    """
    raw = highest / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (m * magnitude for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10))
    if whole_numbers:
        steps = (step for step in steps if step >= 1 and step == int(step))
    return next(step for step in steps if step >= raw)


def _local(moment: datetime, zone: tzinfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"
