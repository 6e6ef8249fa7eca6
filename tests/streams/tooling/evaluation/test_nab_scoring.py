from __future__ import annotations

import pytest

from badbuzz.streams.tooling.evaluation.nab_scoring import (
    PROFILES,
    LabelledSeries,
    optimal_threshold,
    probation_rows,
    raw_score,
    score_corpus,
)

STANDARD = PROFILES[0]


@pytest.mark.parametrize(("rows", "probation"), [(100, 15), (1000, 150), (5000, 750), (15_902, 750)])
def test_probation_is_fifteen_percent_capped_at_750_rows(rows: int, probation: int) -> None:
    assert probation_rows(rows) == probation


def series(alerts: dict[int, float], windows=((200, 299), (600, 699)), length: int = 1000) -> LabelledSeries:
    return LabelledSeries("s", [alerts.get(i, 0.0) for i in range(length)], list(windows))


def test_detecting_each_window_on_its_first_row_is_perfect_and_never_firing_is_null() -> None:
    assert score_corpus([series({200: 1.0, 600: 1.0})], STANDARD, threshold=1.0).normalised == pytest.approx(100.0)
    assert score_corpus([series({})], STANDARD, threshold=1.0).normalised == pytest.approx(0.0)


def test_earlier_detection_inside_a_window_scores_more_and_only_the_first_counts() -> None:
    early = raw_score(series({210: 1.0}), 1.0, STANDARD)
    late = raw_score(series({290: 1.0}), 1.0, STANDARD)
    both = raw_score(series({210: 1.0, 290: 1.0}), 1.0, STANDARD)
    assert early > late > -1.0
    assert both == pytest.approx(early)


def test_a_detection_in_the_middle_of_a_window_earns_nabs_sigmoid() -> None:
    # Position -(299 - 250 + 1) / 100 = -0.5: 2 sigmoid(2.5) - 1 = 0.848, over the maximum 0.987.
    middle = raw_score(series({250: 1.0}, windows=((200, 299),)), 1.0, STANDARD)
    assert middle == pytest.approx(0.84828 / 0.98661, abs=1e-4)


def test_false_positives_cost_more_far_from_a_window_and_nothing_in_probation() -> None:
    nothing = raw_score(series({}), 1.0, STANDARD)
    right_after = raw_score(series({301: 1.0}), 1.0, STANDARD) - nothing
    far_after = raw_score(series({550: 1.0}), 1.0, STANDARD) - nothing
    before_any = raw_score(series({190: 1.0}), 1.0, STANDARD) - nothing
    in_probation = raw_score(series({100: 1.0}), 1.0, STANDARD) - nothing
    assert 0 > right_after > far_after == pytest.approx(-STANDARD.fp_weight, abs=1e-4)
    assert before_any == pytest.approx(-STANDARD.fp_weight)
    assert in_probation == 0.0


def test_the_sweep_finds_the_threshold_nab_would() -> None:
    # Scores 0.9 in both windows, 0.5 at four far false positives: 0.9 wins; 0.5 adds only costs.
    scored = series({250: 0.9, 650: 0.9, 400: 0.5, 450: 0.5, 800: 0.5, 900: 0.5})
    threshold, raw = optimal_threshold([scored], STANDARD)
    assert threshold == 0.9
    assert raw == pytest.approx(raw_score(scored, 0.9, STANDARD))
    assert raw > raw_score(scored, 0.5, STANDARD)


def test_profiles_weigh_misses_and_false_alarms_as_nab_does() -> None:
    weights = {p.name: (p.tp_weight, p.fp_weight, p.fn_weight) for p in PROFILES}
    assert weights == {
        "standard": (1.0, 0.11, 1.0),
        "reward_low_FP_rate": (1.0, 0.22, 1.0),
        "reward_low_FN_rate": (1.0, 0.11, 2.0),
    }
