"""The backtest's report: one chart per series and the figures a manager reads in ten seconds."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from badbuzz.streams.tooling.backtest import SeriesRun, total_figures  # noqa: E402

ALERT = "#d62728"
LABEL = "#ff7f0e"
BAND = "#1f77b4"


def _minutes(delta: timedelta | None) -> str:
    if delta is None:
        return "–"
    minutes = delta.total_seconds() / 60
    return f"{minutes:.0f} min" if abs(minutes) < 120 else f"{minutes / 60:.1f} h"


def _from_point(delta: timedelta | None) -> str:
    """E.g. ``"12 min after"``, ``"2.5 h before"``: when the alert came against the labelled anomaly point."""
    if delta is None:
        return "–"
    return f"{_minutes(abs(delta))} {'before' if delta < timedelta(0) else 'after'}"


def summary_line(run: SeriesRun) -> str:
    """E.g. ``"3 alerts · 2/3 labelled windows caught, median 25 min after they start · 1 false alert"``."""
    figures = run.figures
    alerts = sum(run.alerts)
    parts = [f"{alerts} alert{'s' * (alerts != 1)}"]
    if run.windows:
        parts.append(
            f"{figures.caught}/{figures.windows} labelled windows caught"
            + (f", median {_minutes(figures.median_delay)} after they start" if figures.delays else "")
            + (
                f", {_from_point(figures.median_point_delay)} the anomaly point (worst "
                f"{_from_point(figures.worst_point_delay)})"
                if figures.point_delays
                else ""
            )
        )
        parts.append(f"{figures.false_alerts} outside them ({figures.false_alerts_per_week:.1f} a week)")
    return " · ".join(parts)


def draw(runs: Sequence[SeriesRun], detector: str) -> plt.Figure:
    figure, axes = plt.subplots(len(runs), 1, figsize=(14, 3.2 * len(runs)), squeeze=False)
    for ax, run in zip(axes[:, 0], runs):
        times = run.series.times
        judgements = run.judgements
        ax.fill_between(
            times,
            [j.usual_low for j in judgements],
            [j.usual_high for j in judgements],
            color=BAND,
            alpha=0.25,
            linewidth=0,
            label="usual range",
        )
        ax.plot(times, run.series.values, color="black", linewidth=0.7, label="volume")
        for k, (start, end) in enumerate(run.windows):
            ax.axvspan(start, end, color=LABEL, alpha=0.18, label="labelled window" if k == 0 else None)
        opened = [(t, j.value) for t, j in zip(times, judgements) if j.opens]
        if opened:
            ax.scatter(*zip(*opened), marker="v", s=60, color=ALERT, zorder=3, label="alert opens")
        alerting = [j.alerting for j in judgements]
        ax.fill_between(
            times, 0, 1, where=alerting, transform=ax.get_xaxis_transform(), color=ALERT, alpha=0.08, linewidth=0
        )
        ax.set_title(f"{run.series.name}: {summary_line(run)}", loc="left", fontsize=10)
        ax.set_yscale("symlog", linthresh=10)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
        ax.legend(loc="upper right", fontsize=8, ncols=5)
    figure.suptitle(f"badbuzz backtest · detector {detector}", x=0.01, ha="left", fontsize=12)
    figure.tight_layout()
    return figure


def write_png(runs: Sequence[SeriesRun], detector: str, path: Path) -> Path:
    figure = draw(runs, detector)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def write_html(runs: Sequence[SeriesRun], detector: str, path: Path) -> Path:
    """A self-contained page: the chart inline, a table of figures per series."""
    figure = draw(runs, detector)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    image = base64.b64encode(buffer.getvalue()).decode()
    total = total_figures(runs)
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(cell))}</td>"
            for cell in (
                run.series.name,
                sum(run.alerts),
                f"{run.figures.caught}/{run.figures.windows}" if run.windows else "–",
                _minutes(run.figures.median_delay),
                _minutes(run.figures.worst_delay),
                _from_point(run.figures.median_point_delay),
                _from_point(run.figures.worst_point_delay),
                run.figures.false_alerts if run.windows else "–",
            )
        )
        + "</tr>"
        for run in runs
    )
    labelled = any(run.windows for run in runs)
    headline = (
        f"{total.caught} of {total.windows} labelled crises caught, median {_minutes(total.median_delay)} "
        f"after their window opens"
        + (f" ({_from_point(total.median_point_delay)} the anomaly point)" if total.point_delays else "")
        + f"; {total.false_alerts} alerts outside them "
        f"({total.false_alerts_per_week:.1f} per series-week)."
        if labelled
        else f"{sum(sum(run.alerts) for run in runs)} alerts over {len(runs)} series."
    )
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>badbuzz backtest · {html.escape(detector)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse}}
td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}} .big{{font-size:1.3em}}</style></head>
<body><h1>badbuzz backtest</h1><p class="big">{html.escape(headline)}</p>
<p>Detector <code>{html.escape(detector)}</code>, run window by window through the pipeline's own watch:
an alert here is an incident the pipeline would have opened.</p>
<table><tr><th>series</th><th>alerts</th><th>labelled windows caught</th><th>median delay</th>
<th>worst delay</th><th>median, from the anomaly point</th><th>worst, from the anomaly point</th>
<th>alerts outside windows</th></tr>
{rows}</table>
<p><img alt="volume, usual range, alerts and labelled windows per series" style="max-width:100%"
src="data:image/png;base64,{image}"></p></body></html>
""",
        encoding="utf-8",
    )
    return path
