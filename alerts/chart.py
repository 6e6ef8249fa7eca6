"""A small PNG of the deviating signal over the last hours, against its baseline band.

Drawn with matplotlib's object API and Agg canvas (no pyplot: no global figure state,
safe in a worker thread). Rendering is CPU work, so :func:`chart_png` runs it in an
executor, off the event loop.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import Executor

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from badbuzz.alerts.incidents import Incident

SIZE_INCHES = (6.4, 2.4)
DPI = 100
LINE, BAND, ALARM = "#1f4e79", "#9dc3e6", "#c00000"


def render_png(incident: Incident) -> bytes | None:
    """The chart of the incident's history, or ``None`` when it has fewer than two points."""
    history = incident.context.history
    if len(history) < 2:
        return None
    times = [point.start for point in history]
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    axes.fill_between(
        times,
        [point.usual_low for point in history],
        [point.usual_high for point in history],
        color=BAND,
        alpha=0.6,
        linewidth=0,
        label="usual range",
    )
    axes.plot(times, [point.usual for point in history], color=LINE, linestyle=":", linewidth=1, label="usual")
    axes.plot(times, [point.value for point in history], color=LINE, linewidth=1.8, label=incident.signal.noun)
    anomalous = [point for point in history if point.anomalous]
    if anomalous:
        axes.scatter(
            [point.start for point in anomalous], [point.value for point in anomalous], color=ALARM, s=18, zorder=3
        )
    axes.axvline(incident.opened_at, color=ALARM, linewidth=0.8, linestyle="--")
    axes.set_title(
        f"{incident.brand} · {incident.signal.noun} per {incident.what_spiked().rsplit(' in ', 1)[-1]}",
        loc="left",
        fontsize=10,
    )
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=incident.opened_at.tzinfo))
    axes.set_xlabel("UTC", fontsize=8, loc="right")
    axes.tick_params(labelsize=8)
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="upper left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


async def chart_png(incident: Incident, executor: Executor | None = None) -> bytes | None:
    """:func:`render_png` in ``executor`` (the loop's default one if ``None``)."""
    return await asyncio.get_running_loop().run_in_executor(executor, render_png, incident)


def alt_text(incident: Incident) -> str:
    """What the chart shows, for screen readers and clients that do not load images."""
    history = incident.context.history
    return (
        f"{incident.signal.noun} of {incident.brand} over the last {len(history)} windows, "
        f"up to {history[-1].value:,.0f} against a usual range of {incident.usual_low:,.0f}–{incident.usual_high:,.0f}"
    )
