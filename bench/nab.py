"""NAB realTweets, leave one series out: the alerts as shipped, with every tuned choice fitted on the other series.

    python bench/nab.py [--detectors count_evidence,count_surprise] [--data ../shared/data/nab-realtweets]

Every detector runs online and causally through the pipeline's own watch (``make_watch``). What
a user would tune is a grid: the threshold (the shipped one × a factor) and how long a calm spell
ends an alert. For each series in turn, the grid point with the best NAB standard score on the
*other* series is chosen and the held-out series is scored with it: that is the headline,
leave-one-out figure. The in-sample figure (one grid point chosen on all series) stands beside
it; a detector whose shipped settings win everywhere scores the same in both. The raw-score
figures NAB publishes (threshold optimised on the labels) are given leave-one-out too.

Event figures are for the alerts as shipped, leave-one-out: labelled windows caught, the delay
from the labelled anomaly point (``labels_labels.json``) to the first alert in its window
(negative: the alert came first), and false alerts per series-week, per series.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tables import print_table  # noqa: E402  (bench/, the script's own folder)

from badbuzz.detectors.anomaly import default_threshold  # noqa: E402
from badbuzz.detectors.anomaly.seasonal import HOUR  # noqa: E402
from badbuzz.streams.tooling.backtest import (
    SeriesRun,
    read_anomaly_points,
    read_csv_series,
    read_label_windows,
    run_series,
)
from badbuzz.streams.tooling.evaluation.events import EventFigures  # noqa: E402
from badbuzz.streams.tooling.evaluation.nab_scoring import (
    PROFILES,
    LabelledSeries,
    null_score,
    optimal_threshold,
    perfect_score,
    probation_rows,
    raw_score,
)

DATA = ROOT / ".." / "shared" / "data" / "nab-realtweets"
PROFILE_NAMES = {"standard": "standard", "reward_low_FP_rate": "low FP", "reward_low_FN_rate": "low FN"}
STANDARD = PROFILES[0]
#: The tuned choices: the shipped threshold times a factor, and the calm time that ends an alert.
THRESHOLD_FACTORS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)
RESOLVE_HOURS = (1.0, 3.0, 6.0)


@dataclass(frozen=True)
class Setting:
    factor: float
    resolve_hours: float

    def __str__(self) -> str:
        return f"×{self.factor:g} threshold, {self.resolve_hours:g} h"


def run_detector(name: str, data: Path, setting: Setting) -> list[SeriesRun]:
    labels = read_label_windows(data / "labels_windows.json")
    points = read_anomaly_points(data / "labels_windows.json")
    runs = []
    for path in sorted(data.glob("*.csv")):
        series = read_csv_series(path)
        runs.append(
            run_series(
                series,
                detector=name,
                windows=labels.get(series.name, []),
                points=points.get(series.name, []),
                skip=probation_rows(len(series.values)),
                threshold=setting.factor * default_threshold(name, series.step.total_seconds()),
                resolve_after_seconds=setting.resolve_hours * HOUR,
            )
        )
    return runs


def labelled(run: SeriesRun, shipped: bool) -> LabelledSeries:
    index = {t: i for i, t in enumerate(run.series.times)}
    rows = [(index[start], index[end]) for start, end in run.windows]
    scores = [float(j.opens) for j in run.judgements] if shipped else [j.score for j in run.judgements]
    return LabelledSeries(run.series.name, scores, rows)


def normalised(raw: float, corpus: list[LabelledSeries], profile) -> float:
    null = null_score(corpus, profile)
    return 100.0 * (raw - null) / (perfect_score(corpus, profile) - null)


@dataclass(frozen=True)
class Evaluation:
    """One detector's figures: per profile (leave-one-out, in-sample), the settings chosen, the held-out runs."""

    shipped_loo: dict[str, float]
    shipped_in: dict[str, float]
    raw_loo: dict[str, float]
    raw_in: dict[str, float]
    chosen: list[Setting]
    in_sample: Setting
    held_out: list[SeriesRun]
    seconds: float


def evaluate(name: str, data: Path, grid: list[Setting]) -> Evaluation:
    t0 = time.perf_counter()
    runs = {setting: run_detector(name, data, setting) for setting in grid}
    n = len(next(iter(runs.values())))
    shipped = {s: [labelled(r, shipped=True) for r in rs] for s, rs in runs.items()}
    corpus = shipped[grid[0]]

    def raw(setting: Setting, series: list[int], profile) -> float:
        return sum(raw_score(shipped[setting][i], 1.0, profile) for i in series)

    chosen = [max(grid, key=lambda s: raw(s, [j for j in range(n) if j != i], STANDARD)) for i in range(n)]
    in_sample = max(grid, key=lambda s: raw(s, list(range(n)), STANDARD))
    shipped_loo = {p.name: normalised(sum(raw(chosen[i], [i], p) for i in range(n)), corpus, p) for p in PROFILES}
    shipped_in = {p.name: normalised(raw(in_sample, list(range(n)), p), corpus, p) for p in PROFILES}

    # NAB's own way: raw scores, the threshold optimised on the labels (on the other series, for leave-one-out).
    default = Setting(1.0, 3.0) if Setting(1.0, 3.0) in runs else grid[0]
    scores = [labelled(r, shipped=False) for r in runs[default]]
    raw_loo, raw_in = {}, {}
    for p in PROFILES:
        total = 0.0
        for i in range(n):
            threshold, _ = optimal_threshold([s for j, s in enumerate(scores) if j != i], p)
            total += raw_score(scores[i], threshold, p)
        raw_loo[p.name] = normalised(total, scores, p)
        raw_in[p.name] = normalised(optimal_threshold(scores, p)[1], scores, p)
    held_out = [runs[chosen[i]][i] for i in range(n)]
    return Evaluation(shipped_loo, shipped_in, raw_loo, raw_in, chosen, in_sample, held_out, time.perf_counter() - t0)


def _minutes(delta) -> str:
    if delta is None:
        return "-"
    return f"{delta.total_seconds() / 60:+.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", default="count_evidence,count_surprise", help="names from DETECTORS")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--quick", action="store_true", help="the shipped settings only (no leave-one-out)")
    args = parser.parse_args()
    if not (args.data / "labels_windows.json").exists():
        sys.exit(f"NAB realTweets data not found at {args.data} (see ../shared/README.md)")
    grid = [Setting(1.0, 3.0)] if args.quick else [Setting(f, h) for f in THRESHOLD_FACTORS for h in RESOLVE_HOURS]
    started = time.perf_counter()
    results = {name: evaluate(name, args.data, grid) for name in args.detectors.split(",")}
    profiles = [PROFILE_NAMES[p.name] for p in PROFILES]

    print(f"NAB realTweets ({len(grid)} settings tried), normalised scores (null detector 0, perfect 100)\n")
    print("Alerts as shipped (1 where the watch opens an alert), leave one series out, then in-sample")
    print_table(
        ["detector"] + [f"LOO {p}" for p in profiles] + [f"in-sample {p}" for p in profiles] + ["run"],
        [
            [name]
            + [f"{e.shipped_loo[p.name]:6.1f}" for p in PROFILES]
            + [f"{e.shipped_in[p.name]:6.1f}" for p in PROFILES]
            + [f"{e.seconds:4.0f} s"]
            for name, e in results.items()
        ],
    )
    print(
        "\nRaw scores, NAB's way (threshold optimised per profile on the labels): leave one series out, then in-sample"
    )
    print_table(
        ["detector"] + [f"LOO {p}" for p in profiles] + [f"in-sample {p}" for p in profiles],
        [
            [name] + [f"{e.raw_loo[p.name]:6.1f}" for p in PROFILES] + [f"{e.raw_in[p.name]:6.1f}" for p in PROFILES]
            for name, e in results.items()
        ],
    )
    print("\nSettings chosen on the other four series, per held-out series; in-sample choice last")
    print_table(
        ["detector"]
        + [run.series.name.removeprefix("Twitter_volume_") for run in next(iter(results.values())).held_out]
        + ["in-sample"],
        [[name] + [str(s) for s in e.chosen] + [str(e.in_sample)] for name, e in results.items()],
    )
    print("\nHeld-out alerts per series: windows caught, delay from the labelled anomaly point, false alerts")
    rows = []
    for name, e in results.items():
        total = None
        for run in e.held_out:
            f = run.figures
            total = f if total is None else total + f
            rows.append(_event_row(name, run.series.name.removeprefix("Twitter_volume_"), f))
        rows.append(_event_row(name, "all", total))
    print_table(
        ["detector", "series", "caught", "median delay", "worst delay", "false alerts", "per week"],
        rows,
    )
    print("\nHeld-out delay per labelled window, from its anomaly point to the first alert in the window")
    print_table(
        ["detector", "series", "delays"],
        [
            [name, run.series.name.removeprefix("Twitter_volume_"), _delays(run)]
            for name, e in results.items()
            for run in e.held_out
        ],
    )
    print(f"\nbench ran in {time.perf_counter() - started:.0f} s")


def _event_row(name: str, series: str, f: EventFigures) -> list[str]:
    return [
        name,
        series,
        f"{f.caught}/{f.windows}",
        _minutes(f.median_point_delay),
        _minutes(f.worst_point_delay),
        str(f.false_alerts),
        f"{f.false_alerts_per_week:.2f}",
    ]


def _delays(run: SeriesRun) -> str:
    return ", ".join(_minutes(d) for d in run.figures.point_delays) + (
        f" ({run.figures.missed} missed)" if run.figures.missed else ""
    )


if __name__ == "__main__":
    main()
