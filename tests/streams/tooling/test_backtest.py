"""The backtest over a generated mention file and a shared NAB series, report included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from badbuzz.streams.cli import cli
from badbuzz.streams.tooling.backtest import (
    count_mentions,
    load_series,
    read_anomaly_points,
    read_label_windows,
    run_series,
)
from badbuzz.streams.tooling.backtest_report import summary_line

NAB = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "nab-realtweets"
T0 = datetime(2026, 3, 2, tzinfo=UTC)
CRISIS = T0 + timedelta(days=2, hours=14)


def mention(i: int, brand: str, at: datetime) -> str:
    return json.dumps(
        {
            "id": f"x:{brand}:{i}",
            "brand": brand,
            "platform": "x",
            "author": {"handle": f"user{i}", "followers": 10},
            "text": "hello",
            "created_at": at.isoformat(),
        }
    )


@pytest.fixture(scope="module")
def mentions_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two and a half days of mentions of two brands, ~4 a minute by day; 'nuvola' has a 30-minute crisis."""
    rng = np.random.default_rng(7)
    lines = []
    for brand in ("nuvola", "velocia"):
        for minute in range(int(2.75 * 1440)):
            at = T0 + timedelta(minutes=minute)
            rate = 4 if 8 <= at.hour < 22 else 1
            if brand == "nuvola" and CRISIS <= at < CRISIS + timedelta(minutes=30):
                rate = 40
            for _ in range(int(rng.poisson(rate))):
                lines.append(mention(len(lines), brand, at + timedelta(seconds=int(rng.integers(0, 60)))))
    lines.append(lines[0])  # a redelivery is counted once
    path = tmp_path_factory.mktemp("backtest") / "mentions.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_mentions_are_counted_per_brand_in_windows_once_by_id(mentions_file: Path) -> None:
    series = count_mentions(mentions_file.read_text().splitlines(), window_seconds=300)
    assert [s.name for s in series] == ["nuvola", "velocia"]
    nuvola = series[0]
    assert nuvola.step == timedelta(minutes=5)
    assert sum(nuvola.values) == sum(
        '"brand": "nuvola"' in line for line in set(mentions_file.read_text().splitlines())
    )
    assert all(b - a == nuvola.step for a, b in zip(nuvola.times, nuvola.times[1:]))


def test_the_crisis_is_caught_and_the_quiet_brand_stays_quiet(mentions_file: Path) -> None:
    nuvola, velocia = load_series(mentions_file, window_seconds=300)
    crisis = [(CRISIS - timedelta(hours=1), CRISIS + timedelta(hours=1))]
    run = run_series(nuvola, detector="count_surprise", windows=crisis)
    assert run.figures.caught == 1 and run.figures.median_delay <= timedelta(minutes=65)
    assert sum(run_series(velocia, detector="count_surprise").alerts) == 0


def test_backtest_command_writes_png_and_html_reports(mentions_file: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"nuvola": [[str(CRISIS - timedelta(hours=1)), str(CRISIS + timedelta(hours=1))]]}))
    out = tmp_path / "report"
    result = CliRunner().invoke(
        cli,
        [
            "backtest",
            str(mentions_file),
            "--labels",
            str(labels),
            "--window",
            "300",
            "--out",
            str(out),
            "--detector",
            "count_surprise",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1/1 labelled windows caught" in result.output
    png = (out / "mentions-count_surprise.png").read_bytes()
    page = (out / "mentions-count_surprise.html").read_text()
    assert png.startswith(b"\x89PNG")
    assert "1 of 1 labelled crises caught" in page and "data:image/png;base64," in page


@pytest.mark.skipif(not (NAB / "labels_windows.json").exists(), reason="shared NAB realTweets data missing (../shared)")
def test_a_nab_series_backtests_with_its_labels(tmp_path: Path) -> None:
    series = load_series(NAB / "Twitter_volume_IBM.csv", window_seconds=60)[0]
    windows = read_label_windows(NAB / "labels_windows.json")["Twitter_volume_IBM"]
    points = read_anomaly_points(NAB / "labels_windows.json")["Twitter_volume_IBM"]
    run = run_series(series, detector="count_surprise", windows=windows, points=points)
    assert series.step == timedelta(minutes=5) and len(run.judgements) == len(series.values)
    assert run.figures.windows == 2 and run.figures.caught >= 1
    # Each caught window has its anomaly point, and the delay a user feels runs from there.
    assert len(run.figures.point_delays) == run.figures.caught
    assert "the anomaly point" in summary_line(run)
