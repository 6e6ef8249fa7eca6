"""Synthetic crises injected on real baselines: how many the shipped watch catches, how soon, at what false-alarm cost.

    python bench/crisis.py [--detector count_evidence] [--per-series 12] [--seed 11]

Baselines: the five NAB realTweets series of ``../shared`` (5-minute counts), and per-airline
counts (mentions and negative mentions, the pipeline's window length) built from the US
airline tweets of ``../shared/data/airline/Tweets.csv``. At seeded random points, at least a day
away from every labelled window and where the clean run has no alert open, one crisis is added
on top of the real counts (Poisson draws around the previous day's mean level):

- floods ×3, ×5, ×10 of the previous day's level, for 30 minutes (caught if an alert opens
  within those 30 minutes);
- a slow burn doubling every 2 hours for 6 hours (caught if an alert opens before it has
  doubled twice, i.e. within 4 hours);
- a plateau ×2 for 6 hours (caught if an alert opens within them);
- a negative share moving from 15 % to 30 % or 45 % for an hour, negatives drawn binomially out
  of the real volume (the negative-share watch).

With early judgement (as shipped; ``--no-early`` leaves it out), each window is also judged
while it fills, as the pipeline does: every ``EARLY_STEP`` seconds from ``EARLY_MIN`` seconds
into it, on its mentions so far (the window's count thinned binomially to the time elapsed:
mentions spread evenly over the window, a seeded draw); an early opening counts from that
moment, and for the false alerts it counts like any other.

Delays run from the crisis start. False alerts a week are counted on the same series without
any injection (NAB series: alerts outside labelled windows; airline series have no labels, so
every alert counts). Last, the real airline mentions are replayed through the negative-volume
and negative-share watches with the shipped settings: what opens, per brand and Pacific day,
beside each day's negative mentions.
"""

from __future__ import annotations

import argparse
import copy
import csv
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from tables import print_table  # bench/, the script's own folder

from badbuzz.detectors.anomaly import default_threshold
from badbuzz.detectors.anomaly.abilities import GivesEvidence
from badbuzz.detectors.anomaly.signal_watches import DEFAULT_DETECTOR, make_watch
from badbuzz.streams.tooling.backtest import Series, read_csv_series, read_label_windows
from badbuzz.vocabulary.signals import SignalKind

ROOT = Path(__file__).resolve().parents[1]
NAB = ROOT / ".." / "shared" / "data" / "nab-realtweets"
AIRLINE = ROOT / ".." / "shared" / "data" / "airline" / "Tweets.csv"
PACIFIC = timezone(timedelta(hours=-8))
AIRLINE_WINDOW_SECONDS = 60
#: Injection points keep this far from labelled windows, and leave this much series after them.
CLEARANCE = timedelta(days=1)
TAIL = timedelta(hours=7)
WARM_UP = timedelta(days=1, hours=12)
BASE_SHARE = 0.15


@dataclass(frozen=True)
class Crisis:
    name: str
    duration: timedelta
    #: Caught only if an alert opens within this time of the start.
    deadline: timedelta
    #: The multiple of the baseline level at ``t`` seconds into the crisis (counts), or the share.
    kind: str
    level: float = 0.0

    def multiple(self, seconds: float) -> float:
        if self.kind == "burn":
            return 2.0 ** (seconds / 7200.0)
        return self.level


CRISES = (
    Crisis("flood ×3, 30 min", timedelta(minutes=30), timedelta(minutes=30), "count", 3.0),
    Crisis("flood ×5, 30 min", timedelta(minutes=30), timedelta(minutes=30), "count", 5.0),
    Crisis("flood ×10, 30 min", timedelta(minutes=30), timedelta(minutes=30), "count", 10.0),
    Crisis("slow burn ×2 per 2 h", timedelta(hours=6), timedelta(hours=4), "burn"),
    Crisis("plateau ×2, 6 h", timedelta(hours=6), timedelta(hours=6), "count", 2.0),
    Crisis("negative share 15→30 %, 1 h", timedelta(hours=1), timedelta(hours=1), "share", 0.30),
    Crisis("negative share 15→45 %, 1 h", timedelta(hours=1), timedelta(hours=1), "share", 0.45),
)


@dataclass
class Outcome:
    delays: list[float] = field(default_factory=list)
    missed: int = 0

    @property
    def tried(self) -> int:
        return len(self.delays) + self.missed


@dataclass(frozen=True)
class Baseline:
    """A real series to inject onto, the windows to keep away from, and whether it is a brand's negatives."""

    group: str
    series: Series
    labelled: list[tuple[datetime, datetime]]


def nab_baselines(data: Path) -> list[Baseline]:
    labels = read_label_windows(data / "labels_windows.json")
    return [
        Baseline("NAB realTweets", series, labels.get(series.name, []))
        for series in (read_csv_series(path) for path in sorted(data.glob("*.csv")))
    ]


def airline_counts(path: Path, window_seconds: int) -> dict[str, tuple[Series, Series]]:
    """Per airline: mentions and negative mentions per window, zeros included, over the whole file's span."""
    volume: dict[str, Counter[int]] = defaultdict(Counter)
    negative: dict[str, Counter[int]] = defaultdict(Counter)
    seen = set()
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["tweet_id"] in seen:
                continue
            seen.add(row["tweet_id"])
            created = datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z")
            slot = int(created.timestamp()) // window_seconds
            volume[row["airline"]][slot] += 1
            negative[row["airline"]][slot] += row["airline_sentiment"] == "negative"
    first = min(min(c) for c in volume.values())
    last = max(max(c) for c in volume.values())
    times = [datetime.fromtimestamp(s * window_seconds, UTC) for s in range(first, last + 1)]
    step = timedelta(seconds=window_seconds)

    def series(name: str, counts: Counter[int]) -> Series:
        return Series(name, times, [float(counts[s]) for s in range(first, last + 1)], step)

    return {
        airline: (series(airline, volume[airline]), series(f"{airline} negative", negative[airline]))
        for airline in sorted(volume)
    }


#: Overridden from the command line to measure a setting other than the shipped one.
OVERRIDES: dict = {}
#: How often, and from how far into a window, the pipeline judges it while it fills (its defaults).
EARLY_STEP = 5.0
EARLY_MIN = 10.0
EARLY = {"on": True}


def early_open(watch, value: float, t: datetime, step: float, rng: np.random.Generator, n: float | None = None):
    """Seconds into the window at which judging it while it fills opens an alert, or ``None``.

    ``value`` is the closed window's count (or its share of ``n``). Its mentions are given times
    spread evenly over the window (a seeded draw), so what it holds ``e`` seconds in is a
    binomial thinning of the count, growing as the window fills.
    """
    if not EARLY["on"] or watch.alerting:
        return None
    mentions = int(round(n if n is not None else value))
    arrivals = np.sort(rng.random(mentions) * step)
    negative = np.zeros(mentions, dtype=bool)
    if n is not None:
        negative[: int(round(value * n))] = True
        rng.shuffle(negative)
    negatives_so_far = np.concatenate(([0], np.cumsum(negative)))
    for elapsed in np.arange(EARLY_MIN, step, EARLY_STEP):
        so_far = int(np.searchsorted(arrivals, elapsed))
        if n is None:
            judgement = watch.judge_partial(float(so_far), t, float(elapsed))
        else:
            share = negatives_so_far[so_far] / so_far if so_far else 0.0
            judgement = watch.judge_partial(float(share), t, float(elapsed), n=float(so_far))
        if judgement is not None:
            return float(elapsed)
    return None


def _watch(kind: SignalKind, series: Series, detector: str):
    seconds = series.step.total_seconds()
    options = dict(OVERRIDES)
    factor = options.pop("threshold_factor", None)
    if factor is not None and kind is not SignalKind.PROPORTION:
        options["threshold"] = factor * default_threshold(detector, seconds)
    return make_watch(kind, seconds, detector=detector, **options)


def clean_run(baseline: Baseline, detector: str, kind: SignalKind, negatives: list[float] | None):
    """The series without injection: the watch before each window, which windows were alerting, false alerts."""
    watch = _watch(kind, baseline.series, detector)
    alerting, opens = [], []
    step = baseline.series.step.total_seconds()
    rng = np.random.default_rng(len(baseline.series.values))
    for i, (t, v) in enumerate(zip(baseline.series.times, baseline.series.values)):
        alerting.append(watch.alerting)
        n = None if negatives is None else v
        early = early_open(watch, v if negatives is None else (negatives[i] / v if v else 0.0), t, step, rng, n)
        if negatives is None:
            j = watch.observe(v, t)
        else:
            j = watch.observe(negatives[i] / v if v else 0.0, t, n=v)
        opens.append(j.opens or early is not None)
    return alerting, opens


def pick_points(baseline: Baseline, alerting: list[bool], rng: np.random.Generator, count: int) -> list[int]:
    times = baseline.series.times
    start, end = times[0] + WARM_UP, times[-1] - TAIL
    fine = [
        i
        for i, t in enumerate(times)
        if start <= t <= end
        and not alerting[i]
        and all(t + TAIL < a - CLEARANCE or t > b + CLEARANCE for a, b in baseline.labelled)
    ]
    return sorted(rng.choice(fine, size=min(count, len(fine)), replace=False).tolist()) if fine else []


def inject(
    baseline: Baseline,
    crisis: Crisis,
    points: list[int],
    detector: str,
    rng: np.random.Generator,
    negatives: list[float] | None,
) -> Outcome:
    """Replay up to each point, then the crisis on top of the real counts: when does an alert open?"""
    series = baseline.series
    kind = SignalKind.PROPORTION if crisis.kind == "share" else SignalKind.COUNT
    watch = _watch(kind, series, detector)
    outcome = Outcome()
    step = series.step.total_seconds()
    day = max(1, round(86400 / step))
    position = 0
    for point in points:
        for i in range(position, point):
            _observe(watch, series, i, negatives)
        position = point
        trial = copy.deepcopy(watch)
        # Its own draws: the injections are those of a run without early judgement.
        early_rng = np.random.default_rng(point)
        level = float(np.mean(series.values[max(0, point - day) : point]))
        found = None
        n_windows = max(1, round(crisis.duration.total_seconds() / step))
        for k in range(n_windows):
            i = point + k
            t, v = series.times[i], series.values[i]
            # An early opening learns nothing: the replay goes on to the closed window that opens, so the
            # injections drawn are those of a run without early judgement, crisis after crisis.
            if crisis.kind == "share":
                negative = float(rng.binomial(int(v), crisis.level))
                share = negative / v if v else 0.0
                early = None if found is not None else early_open(trial, share, t, step, early_rng, v)
                j = trial.observe(share, t, n=v)
            else:
                added = float(rng.poisson(max(0.0, crisis.multiple(k * step) - 1.0) * level))
                early = None if found is not None else early_open(trial, v + added, t, step, early_rng)
                j = trial.observe(v + added, t)
            if early is not None:
                found = k * step + early
            if j.opens:
                found = (k + 1) * step if found is None else found
                break
        if found is not None and found <= crisis.deadline.total_seconds():
            outcome.delays.append(found / 60.0)
        else:
            outcome.missed += 1
    return outcome


def _observe(watch, series: Series, i: int, negatives: list[float] | None) -> None:
    v = series.values[i]
    if negatives is None:
        watch.observe(v, series.times[i])
    else:
        watch.observe(negatives[i] / v if v else 0.0, series.times[i], n=v)


def false_alerts_per_week(baseline: Baseline, opens: list[bool]) -> float:
    series = baseline.series
    skip = round(WARM_UP / series.step)
    alerts = sum(
        1 for t, o in zip(series.times[skip:], opens[skip:]) if o and not any(a <= t <= b for a, b in baseline.labelled)
    )
    weeks = (len(series.times) - skip) * series.step / timedelta(days=7)
    return alerts / weeks


def airline_replay(counts: dict[str, tuple[Series, Series]], detector: str) -> list[list[str]]:
    """The real airline mentions, shipped settings: per brand and Pacific day, negatives and what opened."""
    rows = []
    for airline, (volume, negative) in counts.items():
        per_day: Counter = Counter()
        for t, v in zip(negative.times, negative.values):
            per_day[t.astimezone(PACIFIC).date()] += v
        opened: dict = defaultdict(list)
        count_watch = _watch(SignalKind.COUNT, negative, detector)
        share_watch = _watch(SignalKind.PROPORTION, negative, detector)
        for t, v, n in zip(negative.times, negative.values, volume.values):
            local = t.astimezone(PACIFIC)
            model = count_watch.detector
            evidence = model.evidence({"value": v, "time": t}) if isinstance(model, GivesEvidence) else None
            j = count_watch.observe(v, t)
            if j.opens:
                what = (
                    f"{evidence.observed:.0f} in {evidence.seconds / 60:.0f} min vs {evidence.expected:.1f}"
                    if evidence is not None
                    else f"{j.value:.0f} vs {j.usual:.1f}"
                )
                opened[local.date()].append(f"negative volume {local:%H:%M} ({what}, {j.score:.1f})")
            j = share_watch.observe(v / n if n else 0.0, t, n=n)
            if j.opens:
                opened[local.date()].append(f"negative share {local:%H:%M} ({j.value:.0%} of {n:.0f}, {j.score:.1f})")
        days = sorted(per_day)
        for day in days:
            # Days of the file's first and last hours, or before a brand is covered, are not its usual.
            before = [per_day[d] for d in days if d < day and per_day[d] >= 10]
            usual = statistics.median(before) if before else None
            rows.append(
                [
                    airline,
                    f"{day:%m-%d}",
                    f"{per_day[day]:.0f}",
                    "-" if usual is None else f"×{per_day[day] / usual:.1f}",
                    "; ".join(opened.get(day, [])) or "-",
                ]
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", default=DEFAULT_DETECTOR)
    parser.add_argument("--per-series", type=int, default=12, help="injections per crisis and series")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--min-count", type=float, help="BADBUZZ_MIN_COUNT instead of the shipped default")
    parser.add_argument("--threshold-factor", type=float, help="the counts' shipped threshold times this")
    parser.add_argument("--no-early", action="store_true", help="judge closed windows only, no early judgement")
    args = parser.parse_args()
    EARLY["on"] = not args.no_early
    if args.min_count is not None:
        OVERRIDES["min_count"] = args.min_count
    if args.threshold_factor is not None:
        OVERRIDES["threshold_factor"] = args.threshold_factor
    started = time.perf_counter()
    baselines: list[Baseline] = []
    if (NAB / "labels_windows.json").exists():
        baselines += nab_baselines(NAB)
    else:
        print(f"NAB realTweets not found at {NAB}: skipped")
    counts = {}
    if AIRLINE.exists():
        counts = airline_counts(AIRLINE, AIRLINE_WINDOW_SECONDS)
        baselines += [Baseline("airlines", pair[0], []) for pair in counts.values()]
        baselines += [Baseline("airlines, negative", pair[1], []) for pair in counts.values()]
    else:
        print(f"airline tweets not found at {AIRLINE}: skipped")
    if not baselines:
        sys.exit("no data")

    rng = np.random.default_rng(args.seed)
    results: dict[tuple[str, str], Outcome] = defaultdict(Outcome)
    false_alerts: dict[str, list[float]] = defaultdict(list)
    worst: dict[str, tuple[float, str]] = {}
    for baseline in baselines:
        series = baseline.series
        negatives = [float(rng.binomial(int(v), BASE_SHARE)) for v in series.values]
        clean = {}
        for crisis in CRISES:
            share = crisis.kind == "share"
            if share and baseline.group == "airlines, negative":
                continue
            kind = SignalKind.PROPORTION if share else SignalKind.COUNT
            if kind not in clean:
                clean[kind] = clean_run(baseline, args.detector, kind, negatives if share else None)
            alerting, opens = clean[kind]
            points = pick_points(baseline, alerting, rng, args.per_series)
            outcome = inject(baseline, crisis, points, args.detector, rng, negatives if share else None)
            total = results[(baseline.group, crisis.name)]
            total.delays += outcome.delays
            total.missed += outcome.missed
            if crisis is CRISES[0] or crisis is CRISES[5]:
                signal = "share" if share else "count"
                rate = false_alerts_per_week(baseline, opens)
                false_alerts[f"{baseline.group} {signal}"].append(rate)
                key = f"{baseline.group} {signal}"
                if key not in worst or rate > worst[key][0]:
                    worst[key] = (rate, series.name)

    setting = ", ".join(f"{k} {v:g}" for k, v in OVERRIDES.items()) or "as shipped"
    setting += ", early judgement" if EARLY["on"] else ", closed windows only"
    print(
        f"Crisis injection, detector {args.detector} {setting}, "
        f"{args.per_series} crises per type and series, seed {args.seed}\n"
    )
    rows = []
    for (group, name), outcome in results.items():
        delays = sorted(outcome.delays)
        rows.append(
            [
                group,
                name,
                f"{len(delays)}/{outcome.tried}",
                f"{100 * len(delays) / outcome.tried:.0f} %" if outcome.tried else "-",
                f"{statistics.median(delays):.0f} min" if delays else "-",
                f"{np.percentile(delays, 95):.0f} min" if delays else "-",
            ]
        )
    print_table(["baselines", "crisis", "caught", "recall", "median delay", "p95 delay"], rows)
    print("\nFalse alerts a week without injection (per series: mean, worst)")
    print_table(
        ["baselines", "mean", "worst", "worst series"],
        [[k, f"{statistics.mean(v):.2f}", f"{worst[k][0]:.2f}", worst[k][1]] for k, v in false_alerts.items()],
    )
    if counts:
        print("\nReal airline mentions replayed (1-minute windows, shipped settings), per brand and Pacific day")
        print_table(
            ["airline", "day", "negatives", "vs median before", "what opened (mentions vs expected, score)"],
            airline_replay(counts, args.detector),
        )
    print(f"\nbench ran in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
