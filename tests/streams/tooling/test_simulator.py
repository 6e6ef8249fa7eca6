from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from badbuzz.streams.tooling.simulator import BRANDS, Crisis, MentionSimulator, daily_rhythm
from badbuzz.streams.validation import decode_mention
from badbuzz.vocabulary.records import Mention

#: Monday 2 March 2026, 15:00 in Paris (UTC+1 before summer time).
AFTERNOON = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
#: The same day, 04:00 in Paris.
NIGHT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
TEN_MINUTES = timedelta(minutes=10)
BRAND_NAMES = tuple(brand.name for brand in BRANDS)


def mentions(
    simulator: MentionSimulator, start: datetime = AFTERNOON, length: timedelta = TEN_MINUTES
) -> list[Mention]:
    return list(simulator.between(start, start + length))


@pytest.fixture(scope="module")
def afternoon() -> list[Mention]:
    return mentions(MentionSimulator(seed=7))


def test_deterministic_for_a_seed_and_range(afternoon: list[Mention]) -> None:
    again = mentions(MentionSimulator(seed=7))
    assert again == afternoon
    assert len(afternoon) > 100


def test_another_seed_gives_other_mentions(afternoon: list[Mention]) -> None:
    other = mentions(MentionSimulator(seed=8))
    assert {m.id for m in other}.isdisjoint({m.id for m in afternoon})


def test_a_range_split_in_two_gives_the_same_mentions(afternoon: list[Mention]) -> None:
    simulator = MentionSimulator(seed=7)
    middle = AFTERNOON + timedelta(minutes=4)
    split = list(simulator.between(AFTERNOON, middle)) + list(simulator.between(middle, AFTERNOON + TEN_MINUTES))
    assert split == afternoon


def test_mentions_are_inside_the_range(afternoon: list[Mention]) -> None:
    assert all(AFTERNOON <= m.created_at < AFTERNOON + TEN_MINUTES for m in afternoon)
    assert {m.brand for m in afternoon} == set(BRAND_NAMES)


def test_mentions_are_in_time_order_second_by_second(afternoon: list[Mention]) -> None:
    seconds = [m.created_at.replace(microsecond=0) for m in afternoon]
    assert seconds == sorted(seconds)


def test_mentions_are_in_time_order(afternoon: list[Mention]) -> None:
    times = [m.created_at for m in afternoon]
    assert times == sorted(times)


def test_mention_ids_are_unique(afternoon: list[Mention]) -> None:
    assert len({m.id for m in afternoon}) == len(afternoon)


def test_mention_ids_are_unique_with_sub_second_steps() -> None:
    simulator = MentionSimulator(seed=7)
    generated = list(simulator.between(AFTERNOON, AFTERNOON + timedelta(seconds=30), step=timedelta(milliseconds=500)))
    assert len({m.id for m in generated}) == len(generated)


def test_every_mention_validates_through_json(afternoon: list[Mention]) -> None:
    for mention in afternoon:
        raw = mention.model_dump_json().encode()
        assert decode_mention(raw, max_bytes=65_536, brands=BRAND_NAMES) == mention


def test_french_and_english_both_appear(afternoon: list[Mention]) -> None:
    languages = Counter(m.language for m in afternoon)
    assert set(languages) == {"fr", "en"}
    assert min(languages.values()) > len(afternoon) / 10


def test_more_mentions_at_15h_than_at_4h_paris_time(afternoon: list[Mention]) -> None:
    night = mentions(MentionSimulator(seed=7), start=NIGHT)
    assert len(night) > 0
    assert len(afternoon) > 3 * len(night)


def test_daily_rhythm_bounds() -> None:
    assert daily_rhythm(NIGHT) == pytest.approx(0.15)
    assert daily_rhythm(datetime(2026, 3, 2, 15, 0, tzinfo=UTC)) == pytest.approx(1.0)
    saturday_afternoon = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
    assert daily_rhythm(saturday_afternoon) == pytest.approx(0.8)


CRISIS = Crisis(brand="velocia", starts_at=AFTERNOON + timedelta(minutes=2), minutes=5, peak_per_minute=100.0)
CRISIS_MINUTES = (AFTERNOON + timedelta(minutes=3), AFTERNOON + timedelta(minutes=7))


def per_brand(simulator: MentionSimulator) -> Counter[str]:
    return Counter(m.brand for m in simulator.between(*CRISIS_MINUTES))


def test_crisis_multiplies_the_crisis_brand_volume() -> None:
    calm = per_brand(MentionSimulator(seed=7))
    crisis = per_brand(MentionSimulator(seed=7, crises=(CRISIS,)))
    assert crisis["velocia"] > 5 * calm["velocia"]


def test_crisis_mentions_are_tagged() -> None:
    before = {m.id for m in MentionSimulator(seed=7).between(*CRISIS_MINUTES)}
    extra = [
        m
        for m in MentionSimulator(seed=7, crises=(CRISIS,)).between(*CRISIS_MINUTES)
        if m.brand == "velocia" and m.id not in before
    ]
    assert extra
    assert sum("#VelociaPanne" in m.text or "#VelociaDown" in m.text for m in extra) > 0.8 * len(extra)


def test_no_crisis_mentions_before_it_starts() -> None:
    def velocia(simulator: MentionSimulator) -> list[Mention]:
        return [m for m in mentions(simulator, AFTERNOON, timedelta(minutes=2)) if m.brand == "velocia"]

    assert velocia(MentionSimulator(seed=7, crises=(CRISIS,))) == velocia(MentionSimulator(seed=7))


def test_crisis_leaves_other_brands_unchanged() -> None:
    def others(simulator: MentionSimulator) -> list[Mention]:
        return [m for m in mentions(simulator) if m.brand != "velocia"]

    assert others(MentionSimulator(seed=7, crises=(CRISIS,))) == others(MentionSimulator(seed=7))


def test_a_relative_flood_multiplies_the_brand_own_volume() -> None:
    flood = Crisis(brand="velocia", starts_at=CRISIS.starts_at, minutes=5, scale=5.0, ramp_seconds=1.0)
    calm = per_brand(MentionSimulator(seed=7))
    flooded = per_brand(MentionSimulator(seed=7, crises=(flood,)))
    assert 4.0 < flooded["velocia"] / calm["velocia"] < 6.0
    assert flooded["nuvola"] == calm["nuvola"]


#: A word of each negative text the simulator writes.
NEGATIVE_WORDS = ("souci", "déçu", "facturé", "réponse", "qualité", "impressed", "waited", "charged", "quality")


def test_a_tone_shift_turns_mentions_negative_without_adding_any() -> None:
    shift = Crisis(brand="velocia", starts_at=CRISIS.starts_at, minutes=5, negative_share=0.6, ramp_seconds=1.0)

    def velocia(simulator: MentionSimulator) -> list[Mention]:
        return [m for m in simulator.between(*CRISIS_MINUTES) if m.brand == "velocia"]

    def negative_share(mentions: list[Mention]) -> float:
        return sum(any(word in m.text for word in NEGATIVE_WORDS) for m in mentions) / len(mentions)

    calm, shifted = velocia(MentionSimulator(seed=7)), velocia(MentionSimulator(seed=7, crises=(shift,)))
    assert len(shifted) == len(calm)
    assert negative_share(calm) < 0.3 < 0.5 < negative_share(shifted)


def test_several_crises_at_once_each_keep_their_brand() -> None:
    crises = (CRISIS, Crisis(brand="nuvola", starts_at=CRISIS.starts_at, minutes=5, peak_per_minute=100.0))
    calm = per_brand(MentionSimulator(seed=7))
    both = per_brand(MentionSimulator(seed=7, crises=crises))
    assert both["velocia"] > 5 * calm["velocia"] and both["nuvola"] > 5 * calm["nuvola"]
    assert both["cafe-lumen"] == calm["cafe-lumen"]
