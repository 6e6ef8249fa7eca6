"""Replaying history through the pipeline's watches: what alerts a configuration would have raised."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from badbuzz.detectors.anomaly.signal_watches import RESOLVE_AFTER_SECONDS, make_watch
from badbuzz.streams.tooling.evaluation.events import NO_EVENTS, EventFigures, event_figures
from badbuzz.vocabulary.errors import BadbuzzError
from badbuzz.vocabulary.records import Mention
from badbuzz.vocabulary.signals import Judgement, SignalKind

Windows = list[tuple[datetime, datetime]]


class BacktestInputError(BadbuzzError):
    """A file the backtest cannot read."""


@dataclass(frozen=True)
class Series:
    """Regular windows of one brand (or one file): their start times and values."""

    name: str
    times: list[datetime]
    values: list[float]
    step: timedelta


@dataclass(frozen=True)
class SeriesRun:
    """A series judged window by window, with its labelled windows and how the alerts match them."""

    series: Series
    judgements: list[Judgement]
    windows: Windows
    figures: EventFigures

    @property
    def alerts(self) -> list[bool]:
        return [judgement.opens for judgement in self.judgements]


def _parse_time(text: str) -> datetime:
    time = datetime.fromisoformat(text.strip())
    return time if time.tzinfo else time.replace(tzinfo=UTC)


def read_csv_series(path: Path) -> Series:
    """A NAB-style ``timestamp,value`` file, one row per window."""
    times, values = [], []
    with path.open(newline="") as file:
        reader = csv.DictReader(file)
        if reader.fieldnames is None or not {"timestamp", "value"} <= set(reader.fieldnames):
            raise BacktestInputError(f"{path} has no 'timestamp,value' header")
        for row in reader:
            times.append(_parse_time(row["timestamp"]))
            values.append(float(row["value"]))
    if len(times) < 2:
        raise BacktestInputError(f"{path} has fewer than two rows")
    step = Counter(b - a for a, b in zip(times, times[1:])).most_common(1)[0][0]
    return Series(name=path.stem, times=times, values=values, step=step)


def count_mentions(lines: Iterable[str], window_seconds: int) -> list[Series]:
    """Mentions (``Mention`` JSON, one a line) counted per brand in tumbling windows, zeros included."""
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            mention = Mention.model_validate_json(line)
        except ValueError as error:
            raise BacktestInputError(f"line {number} is not a mention: {error}") from None
        if mention.id in seen:
            continue
        seen.add(mention.id)
        counts[mention.brand][int(mention.created_at.timestamp()) // window_seconds] += 1
    step = timedelta(seconds=window_seconds)
    out = []
    for brand in sorted(counts):
        first, last = min(counts[brand]), max(counts[brand])
        slots = range(first, last + 1)
        out.append(
            Series(
                name=brand,
                times=[datetime.fromtimestamp(slot * window_seconds, UTC) for slot in slots],
                values=[float(counts[brand][slot]) for slot in slots],
                step=step,
            )
        )
    return out


def load_series(path: Path, *, window_seconds: int) -> list[Series]:
    """A CSV series (one) or a JSONL of mentions (one series per brand), by the file's first character."""
    with path.open(encoding="utf-8") as file:
        head = file.read(1)
        file.seek(0)
        if head == "{":
            series = count_mentions(file, window_seconds)
            if not series:
                raise BacktestInputError(f"{path} holds no mentions")
            return series
    return [read_csv_series(path)]


def read_label_windows(path: Path) -> dict[str, Windows]:
    """``labels_windows.json``-style labels: series name (or file name) → ``[[start, end], ...]``."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BacktestInputError(f"cannot read labels {path}: {error}") from None
    return {
        Path(name).stem: [(_parse_time(start), _parse_time(end)) for start, end in windows]
        for name, windows in raw.items()
    }


def read_anomaly_points(windows_path: Path) -> dict[str, list[datetime]]:
    """The labelled anomaly points beside a windows file (NAB's ``labels_labels.json``), if there."""
    path = windows_path.with_name("labels_labels.json")
    if path == windows_path or not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BacktestInputError(f"cannot read anomaly points {path}: {error}") from None
    return {Path(name).stem: [_parse_time(point) for point in points] for name, points in raw.items()}


def run_series(
    series: Series,
    *,
    detector: str,
    windows: Windows = (),
    points: Sequence[datetime] = (),
    skip: int = 0,
    threshold: float | None = None,
    resolve_after_seconds: float = RESOLVE_AFTER_SECONDS,
    on_window: Callable[[], None] | None = None,
) -> SeriesRun:
    """Judge every window of ``series`` in order through the pipeline's own watch."""
    watch = make_watch(
        SignalKind.COUNT,
        series.step.total_seconds(),
        detector=detector,
        threshold=threshold,
        resolve_after_seconds=resolve_after_seconds,
    )
    judgements = []
    for time, value in zip(series.times, series.values):
        judgements.append(watch.observe(value, time))
        if on_window is not None:
            on_window()
    figures = event_figures(
        series.times, [j.opens for j in judgements], list(windows), step=series.step, skip=skip, points=points
    )
    return SeriesRun(series=series, judgements=judgements, windows=list(windows), figures=figures)


def total_figures(runs: Sequence[SeriesRun]) -> EventFigures:
    total = NO_EVENTS
    for run in runs:
        total = total + run.figures
    return total
