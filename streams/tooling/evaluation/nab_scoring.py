"""The Numenta Anomaly Benchmark's scoring (Lavin & Ahmad 2015), as NAB v1.1 computes it.

Follows ``nab/sweeper.py``, ``nab/util.py`` and ``nab/runner.py`` of numenta/NAB:

- the first ``min(floor(0.15 n), 0.15 * 5000)`` rows of a file are probationary: not scored;
- the first detection inside a labelled window earns ``tp_weight * S(p) / S(-1)`` where
  ``p = -(right - i + 1) / width`` is its position relative to the window's right edge and
  ``S(p) = 2 sigmoid(-5 p) - 1`` the scaled sigmoid, so detecting at the window's first row earns
  exactly ``tp_weight``; later detections in the same window earn nothing more;
- a window without detection costs ``fn_weight``;
- a detection outside windows costs ``fp_weight * S(p)`` with ``p`` its distance past the
  preceding window's right edge over ``width - 1`` (``S = -1`` from three widths on, and before any
  window), so a late detection just after a window costs little;
- a threshold turns scores into detections (``score >= threshold``); NAB picks, per profile, the
  one that maximises the summed raw score over the corpus;
- normalised score ``100 (raw - null) / (perfect - null)``: a detector that never fires scores 0
  (raw ``-fn_weight`` per window), one that fires on each window's first row and nowhere else 100.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PROBATION_FRACTION = 0.15
#: NAB caps the probationary period at 15 % of 5,000 rows.
PROBATION_CAP_ROWS = 5000


@dataclass(frozen=True)
class Profile:
    """An application profile: NAB's cost matrix."""

    name: str
    tp_weight: float
    fp_weight: float
    fn_weight: float


#: ``config/profiles.json`` of NAB v1.1.
PROFILES: tuple[Profile, ...] = (
    Profile("standard", tp_weight=1.0, fp_weight=0.11, fn_weight=1.0),
    Profile("reward_low_FP_rate", tp_weight=1.0, fp_weight=0.22, fn_weight=1.0),
    Profile("reward_low_FN_rate", tp_weight=1.0, fp_weight=0.11, fn_weight=2.0),
)


@dataclass(frozen=True)
class LabelledSeries:
    """One file's scores with its labelled windows as row indices ``(first, last)``, inclusive."""

    name: str
    scores: Sequence[float]
    windows: Sequence[tuple[int, int]]


@dataclass(frozen=True)
class Result:
    """A detector's NAB result over a corpus for one profile."""

    profile: Profile
    threshold: float
    raw: float
    null: float
    perfect: float

    @property
    def normalised(self) -> float:
        return 100.0 * (self.raw - self.null) / (self.perfect - self.null)


def probation_rows(n_rows: int) -> int:
    """NAB's probationary period, in rows.

    >>> probation_rows(1000), probation_rows(15_902)
    (150, 750)
    """
    return int(min(math.floor(PROBATION_FRACTION * n_rows), PROBATION_FRACTION * PROBATION_CAP_ROWS))


def scaled_sigmoid(position: float) -> float:
    """NAB's reward of a detection at a relative position (``-1`` window start, ``0`` its end).

    >>> round(scaled_sigmoid(-1.0), 5), scaled_sigmoid(0.0), scaled_sigmoid(3.0)
    (0.98661, 0.0, -1.0)
    """
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def _point_weights(n_rows: int, windows: Sequence[tuple[int, int]], profile: Profile) -> list[tuple[int | None, float]]:
    """For each scored row: the window it lies in (or ``None``) and what a detection there is worth."""
    max_tp = scaled_sigmoid(-1.0)
    probation = probation_rows(n_rows)
    ordered = sorted(windows)
    out: list[tuple[int | None, float]] = []
    current = 0
    previous: tuple[int, int] | None = None
    for i in range(n_rows):
        while current < len(ordered) and ordered[current][1] < i:
            previous = ordered[current]
            current += 1
        inside = current < len(ordered) and ordered[current][0] <= i
        if inside:
            first, last = ordered[current]
            width = last - first + 1
            weight = scaled_sigmoid(-(last - i + 1) / width) * profile.tp_weight / max_tp
        elif previous is None:
            weight = -profile.fp_weight
        else:
            first, last = previous
            width = last - first + 1
            weight = scaled_sigmoid(abs(last - i) / (width - 1)) * profile.fp_weight
        if i >= probation:
            out.append((current if inside else None, weight))
        else:
            out.append((None, 0.0))
    return out


def raw_score(series: LabelledSeries, threshold: float, profile: Profile) -> float:
    """One file's raw NAB score when rows scoring ``>= threshold`` are detections."""
    best: dict[int, float] = {}
    false_positives = 0.0
    probation = probation_rows(len(series.scores))
    for i, ((window, weight), score) in enumerate(
        zip(_point_weights(len(series.scores), series.windows, profile), series.scores)
    ):
        if i < probation or score < threshold:
            continue
        if window is None:
            false_positives += weight
        else:
            best[window] = max(best.get(window, -math.inf), weight)
    missed = len(series.windows) - len(best)
    return sum(best.values()) + false_positives - missed * profile.fn_weight


def optimal_threshold(corpus: Sequence[LabelledSeries], profile: Profile) -> tuple[float, float]:
    """NAB's threshold sweep: the threshold with the highest summed raw score, and that score.

    Sweeps every distinct score from the highest down, as ``Sweeper.calcScoreByThreshold``; a
    threshold above every score (no detection at all) is a candidate too.
    """
    points: list[tuple[float, tuple[str, int] | None, float]] = []
    n_windows = 0
    for series in corpus:
        n_windows += len(series.windows)
        probation = probation_rows(len(series.scores))
        weights = _point_weights(len(series.scores), series.windows, profile)
        for i, ((window, weight), score) in enumerate(zip(weights, series.scores)):
            if i >= probation:
                points.append((score, None if window is None else (series.name, window), weight))
    points.sort(key=lambda point: point[0], reverse=True)
    best_window: dict[tuple[str, int], float] = {}
    false_positives = 0.0

    def total() -> float:
        missed = n_windows - len(best_window)
        return sum(best_window.values()) + false_positives - missed * profile.fn_weight

    best_threshold, best_score = math.inf, total()
    for k, (score, window, weight) in enumerate(points):
        if window is None:
            false_positives += weight
        else:
            best_window[window] = max(best_window.get(window, -math.inf), weight)
        if k + 1 == len(points) or points[k + 1][0] != score:
            candidate = total()
            if candidate > best_score:
                best_threshold, best_score = score, candidate
    return best_threshold, best_score


def null_score(corpus: Sequence[LabelledSeries], profile: Profile) -> float:
    """NAB's null detector: one constant score everywhere, its threshold optimised."""
    constant = [LabelledSeries(s.name, [0.5] * len(s.scores), s.windows) for s in corpus]
    return optimal_threshold(constant, profile)[1]


def perfect_score(corpus: Sequence[LabelledSeries], profile: Profile) -> float:
    """A detection on the first row of every window and nowhere else."""
    return profile.tp_weight * sum(len(series.windows) for series in corpus)


def score_corpus(corpus: Sequence[LabelledSeries], profile: Profile, threshold: float | None = None) -> Result:
    """NAB's result for a corpus: at ``threshold``, or NAB's optimised one when ``None``.

    Pass ``threshold=1.0`` with scores of 1 where the detector alerted and 0 elsewhere to score
    the alerts as shipped.

    >>> series = LabelledSeries("s", scores=[0.0] * 200 + [1.0] + [0.0] * 99, windows=[(200, 219)])
    >>> score_corpus([series], PROFILES[0], threshold=1.0).normalised
    100.0
    >>> score_corpus([LabelledSeries("s", [0.0] * 300, [(200, 219)])], PROFILES[0], threshold=1.0).normalised
    0.0
    """
    if threshold is None:
        threshold, raw = optimal_threshold(corpus, profile)
    else:
        raw = sum(raw_score(series, threshold, profile) for series in corpus)
    return Result(
        profile=profile,
        threshold=threshold,
        raw=raw,
        null=null_score(corpus, profile),
        perfect=perfect_score(corpus, profile),
    )
