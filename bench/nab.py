"""NAB realTweets: our detectors against river's, NAB's way and as shipped, plus event-level figures.

    python bench/nab.py [--detectors count_surprise,half_space_trees] [--data ../shared/data/nab-realtweets]

Every detector runs online and causally through the pipeline's own watch (``make_watch``):
(a) scores its raw anomaly scores with NAB's threshold optimised on the labels, comparable
with NAB's published table; (b) scores the alerts the watch actually opens (1 there, 0
elsewhere), which is what users get. Event figures are for (b).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detectors import DETECTORS  # noqa: E402
from detectors.nab_scoring import PROFILES, LabelledSeries, probation_rows, score_corpus  # noqa: E402
from streams.backtest import SeriesRun, read_csv_series, read_label_windows, run_series, total_figures  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "nab-realtweets"
OURS = ["count_surprise"]
PROFILE_NAMES = {"standard": "standard", "reward_low_FP_rate": "low FP", "reward_low_FN_rate": "low FN"}


def run_detector(name: str, data: Path) -> list[SeriesRun]:
    labels = read_label_windows(data / "labels_windows.json")
    runs = []
    for path in sorted(data.glob("*.csv")):
        series = read_csv_series(path)
        runs.append(
            run_series(
                series, detector=name, windows=labels.get(series.name, []), skip=probation_rows(len(series.values))
            )
        )
    return runs


def labelled(runs: list[SeriesRun], shipped: bool) -> list[LabelledSeries]:
    out = []
    for run in runs:
        index = {t: i for i, t in enumerate(run.series.times)}
        rows = [(index[start], index[end]) for start, end in run.windows]
        scores = [float(j.opens) for j in run.judgements] if shipped else [j.score for j in run.judgements]
        out.append(LabelledSeries(run.series.name, scores, rows))
    return out


def _minutes(delta) -> str:
    return "-" if delta is None else f"{delta.total_seconds() / 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", default=",".join(DETECTORS), help="comma-separated names from DETECTORS")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if not (args.data / "labels_windows.json").exists():
        sys.exit(f"NAB realTweets data not found at {args.data} (see ../shared/README.md)")

    started = time.perf_counter()
    scores_rows, event_rows, per_series = [], [], []
    for name in args.detectors.split(","):
        t0 = time.perf_counter()
        runs = run_detector(name, args.data)
        elapsed = time.perf_counter() - t0
        tuned = {p.name: score_corpus(labelled(runs, shipped=False), p) for p in PROFILES}
        shipped = {p.name: score_corpus(labelled(runs, shipped=True), p, threshold=1.0) for p in PROFILES}
        label = f"{name}{' (ours)' if name in OURS else ''}"
        scores_rows.append(
            [label]
            + [f"{tuned[p.name].normalised:6.1f}" for p in PROFILES]
            + [f"{shipped[p.name].normalised:6.1f}" for p in PROFILES]
            + [f"{elapsed:5.1f}s"]
        )
        figures = total_figures(runs)
        event_rows.append(
            [
                label,
                f"{figures.caught}/{figures.windows}",
                str(figures.missed),
                _minutes(figures.median_delay),
                _minutes(figures.worst_delay),
                str(figures.false_alerts),
                f"{figures.false_alerts_per_week:.2f}",
            ]
        )
        for run in runs:
            f = run.figures
            per_series.append(
                [label, run.series.name, f"{f.caught}/{f.windows}", _minutes(f.median_delay), str(f.false_alerts)]
            )

    profiles = [PROFILE_NAMES[p.name] for p in PROFILES]
    print("NAB realTweets, normalised scores (null detector 0, perfect 100)")
    _table(["detector"] + [f"(a) {p}" for p in profiles] + [f"(b) {p}" for p in profiles] + ["run"], scores_rows)
    print("\n(a) raw scores, NAB's threshold optimised per profile on these labels;")
    print("(b) the alerts as shipped: 1 where the watch opens an alert, 0 elsewhere, no threshold tuned.\n")
    print("Event-level figures of (b), after NAB's probationary period")
    _table(
        ["detector", "caught", "missed", "median delay", "worst delay", "false alerts", "per series-week"], event_rows
    )
    print()
    _table(["detector", "series", "caught", "median delay", "false alerts"], per_series)
    print(f"\nbench ran in {time.perf_counter() - started:.0f} s")


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


if __name__ == "__main__":
    main()
