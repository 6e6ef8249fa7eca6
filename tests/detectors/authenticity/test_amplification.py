from __future__ import annotations

import json
from datetime import timedelta

from badbuzz.detectors.authenticity.amplification import BANDS, Amplification, AmplificationSettings
from badbuzz.vocabulary.records import Kind
from tests.detectors.factories import mention

CAMPAIGN = "Oceane Air cancelled our flight to Lisbon and refuses any refund, share this everywhere"


def kinds(amplification: Amplification, mentions) -> list[Kind]:
    return [a.kind for a in amplification.classify(mentions)]


def test_retweets_quotes_and_platform_reposts_are_reposts():
    batch = [
        mention("RT @marie_l: Oceane Air lost my luggage again", handle="a"),
        mention("So true rt @marie_l: Oceane Air lost my luggage again", handle="b"),
        mention("“@oceane_air: Our new cabins are here” lol no", handle="c"),
        mention("Oceane Air lost my luggage again", handle="d", is_repost=True),
    ]
    assert kinds(Amplification(), batch) == [Kind.REPOST] * 4


def test_a_text_pasted_by_twenty_accounts_is_one_original_and_nineteen_copies():
    variants = ["", " https://t.co/Xk2", " 😡😡", "!!!", " http://bit.ly/abc #OceaneAir"]
    batch = [
        mention(
            (CAMPAIGN.upper() if i % 3 == 0 else CAMPAIGN) + variants[i % len(variants)],
            handle=f"account{i}",
            seconds=i * 7,
        )
        for i in range(20)
    ]
    assert kinds(Amplification(), batch) == [Kind.ORIGINAL] + [Kind.COPY] * 19


def test_a_lightly_edited_copy_is_a_copy():
    edited = CAMPAIGN.replace("Lisbon", "Porto").replace("everywhere", "everywhere please")
    assert kinds(Amplification(), [mention(CAMPAIGN, handle="a"), mention(edited, handle="b")]) == [
        Kind.ORIGINAL,
        Kind.COPY,
    ]


def test_unrelated_texts_sharing_hashtags_are_originals():
    batch = [
        mention("Two hours on the tarmac and not a word from the crew #OceaneAir #fail", handle="a"),
        mention("Loved the crew on my flight to Nice this morning, thank you #OceaneAir #fail", handle="b"),
        mention("#OceaneAir #fail the app crashed while I was paying for my seat", handle="c"),
    ]
    assert kinds(Amplification(), batch) == [Kind.ORIGINAL] * 3


def test_short_common_texts_from_many_people_are_originals():
    batch = [mention("@oceane_air thank you so much!", handle=f"fan{i}", seconds=i) for i in range(10)]
    assert kinds(Amplification(), batch) == [Kind.ORIGINAL] * 10


def test_an_author_repeating_themselves_is_not_a_copy():
    batch = [mention(CAMPAIGN, handle="a", seconds=0), mention(CAMPAIGN + " !!", handle="a", seconds=60)]
    assert kinds(Amplification(), batch) == [Kind.ORIGINAL, Kind.ORIGINAL]


def test_the_same_handle_on_another_platform_is_another_author():
    batch = [mention(CAMPAIGN, handle="a"), mention(CAMPAIGN, handle="a", platform="facebook")]
    assert kinds(Amplification(), batch) == [Kind.ORIGINAL, Kind.COPY]


def test_a_text_is_forgotten_after_the_horizon_without_copies():
    amplification = Amplification(AmplificationSettings(horizon=timedelta(minutes=30)))
    early = [mention(CAMPAIGN, handle="a", seconds=0), mention(CAMPAIGN, handle="b", seconds=20 * 60)]
    # Each copy keeps the text alive: 20 + 29 minutes is still within 30 minutes of the last one.
    later = [mention(CAMPAIGN, handle="c", seconds=49 * 60), mention(CAMPAIGN, handle="d", seconds=90 * 60)]
    assert kinds(amplification, early) + kinds(amplification, later) == [
        Kind.ORIGINAL,
        Kind.COPY,
        Kind.COPY,
        Kind.ORIGINAL,
    ]


def test_memory_stays_bounded_after_100k_mentions():
    settings = AmplificationSettings(max_clusters=2_000)
    amplification = Amplification(settings)
    for start in range(0, 100_000, 2_000):
        amplification.classify(
            [
                mention(
                    f"passenger {i} writes about flight {i * 7919 % 100_003} seat {i % 97}", handle=f"p{i}", seconds=i
                )
                for i in range(start, start + 2_000)
            ]
        )
        assert len(amplification) <= settings.max_clusters
        assert len(amplification._index) <= BANDS * settings.max_clusters
    assert len(json.dumps(amplification.state())) < 200 * settings.max_clusters


def test_state_round_trip_keeps_verdicts():
    batches = [
        [mention(f"{CAMPAIGN} {'!' * (i % 3)}", handle=f"u{i}", seconds=i) for i in range(5)],
        [
            mention(f"Flight {i} to Nice delayed by two hours, no explanation", handle=f"v{i}", seconds=10 + i)
            for i in range(5)
        ],
        [
            mention(CAMPAIGN, handle="late", seconds=100),
            mention("Flight 3 to Nice delayed by two hours, no explanation", handle="w", seconds=101),
        ],
    ]
    straight = Amplification()
    expected = [straight.classify(batch) for batch in batches]
    resumed = []
    amplification = Amplification()
    for batch in batches:
        resumed.append(amplification.classify(batch))
        amplification = Amplification.from_state(json.loads(json.dumps(amplification.state())))
    assert resumed == expected
    assert [a.kind for a in expected[2]] == [Kind.COPY, Kind.COPY]
