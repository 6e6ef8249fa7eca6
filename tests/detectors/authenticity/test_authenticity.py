from __future__ import annotations

import json

from badbuzz.detectors.authenticity import Authenticity, AuthenticitySettings
from badbuzz.detectors.authenticity.bots import BotReason, BotRules
from badbuzz.vocabulary.records import Kind
from tests.detectors.factories import mention

CAMPAIGN = "Oceane Air cancelled our flight to Lisbon and refuses any refund, share this everywhere"


CHATTER = [
    "Flight to Nice on time this morning, nice crew and a smooth ride",
    "Does anyone know if Oceane Air lets you bring a bike on board?",
    "Two hours at the gate in Lyon and still no news about our plane",
    "The new app finally shows the boarding pass offline, about time",
    "Oceane Air lost my luggage, the desk says tomorrow maybe",
    "Cheapest flight to Porto this summer was with Oceane Air, booked it",
    "Cabin crew on the Lisbon flight were lovely with my kids today",
    "Why does checking in online ask for my passport number twice?",
    "Seat 14C has no window at all, just a wall, thanks Oceane Air",
    "Strike announced for Thursday, does anyone know if Oceane Air is affected?",
]
PEOPLE = len(CHATTER)


def day() -> list[list]:
    """Batches of a brand's morning: chatter, a retweet, a copy-paste campaign by fresh accounts, a spammer."""
    mentions = [mention(text, handle=f"p{i}", followers=400, seconds=i * 20) for i, text in enumerate(CHATTER)]
    mentions += [mention(f"RT @p1: {CHATTER[1]}", handle="fan", seconds=35)]
    mentions += [
        mention(f"{CAMPAIGN}{'!' * (i % 4)}", handle=f"fresh{i}", followers=2, seconds=100 + i * 5) for i in range(8)
    ]
    mentions += [
        mention(f"Cheap tickets at example dot com, code {i}", handle="deals", followers=10, seconds=200 + i)
        for i in range(25)
    ]
    mentions.sort(key=lambda m: m.created_at)
    return [mentions[i : i + 7] for i in range(0, len(mentions), 7)]


def test_a_morning_is_judged_as_a_person_would():
    judge = Authenticity(AuthenticitySettings(bots=BotRules(max_posts=20, burst_authors=5)))
    verdicts = {m.id: v for batch in day() for m, v in zip(batch, judge.judge(batch), strict=True)}
    campaign = [verdicts[f"fresh{i}-{100 + i * 5}"] for i in range(8)]
    assert [v.kind for v in campaign] == [Kind.ORIGINAL] + [Kind.COPY] * 7
    assert [v.suspected_bot for v in campaign] == [False] * 4 + [True] * 4
    assert verdicts["fan-35"].kind is Kind.REPOST
    spam = [verdicts[f"deals-{200 + i}"] for i in range(25)]
    assert [v.reasons for v in spam] == [()] * 20 + [(BotReason.POSTING_RATE,)] * 5
    people = [verdicts[f"p{i}-{i * 20}"] for i in range(PEOPLE)]
    assert {(v.kind, v.suspected_bot) for v in people} == {(Kind.ORIGINAL, False)}


def test_state_round_trip_through_json_gives_identical_verdicts():
    straight = Authenticity()
    expected = [straight.judge(batch) for batch in day()]
    judge, resumed = Authenticity(), []
    for batch in day():
        resumed.append(judge.judge(batch))
        judge = Authenticity.from_state(json.loads(json.dumps(judge.state())))
    assert resumed == expected


def test_a_state_of_another_version_starts_afresh():
    judge = Authenticity()
    judge.judge([mention(CAMPAIGN, handle="a")])
    restored = Authenticity.from_state({**judge.state(), "v": 0})
    assert restored.judge([mention(CAMPAIGN, handle="b", seconds=5)])[0].kind is Kind.ORIGINAL
