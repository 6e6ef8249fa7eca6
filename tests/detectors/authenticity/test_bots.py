from __future__ import annotations

import json

from badbuzz.detectors.authenticity.bots import BotReason, BotRules, BotWatch
from tests.detectors.factories import mention


def check(watch: BotWatch, mentions) -> list[tuple[BotReason, ...]]:
    return watch.check(mentions, [None] * len(mentions))


def test_an_account_posting_30_times_in_5_minutes_is_a_bot():
    spam = [mention(f"Oceane Air deal number {i}", handle="deals4u", seconds=i * 10) for i in range(30)]
    person = [mention(f"Still waiting for my bag, day {i}", handle="marie", seconds=i * 60) for i in range(5)]
    watch = BotWatch(BotRules(max_posts=20))
    reasons = check(watch, sorted(spam + person, key=lambda m: m.created_at))
    by_author = {m.author.handle: [] for m in spam + person}
    for m, r in zip(sorted(spam + person, key=lambda m: m.created_at), reasons, strict=True):
        by_author[m.author.handle].append(r)
    assert by_author["deals4u"] == [()] * 20 + [(BotReason.POSTING_RATE,)] * 10
    assert by_author["marie"] == [()] * 5


def test_a_slowed_down_bot_stays_suspected_for_a_while():
    watch = BotWatch(BotRules(max_posts=3))
    check(watch, [mention(f"promo {i}", handle="deals4u", seconds=i) for i in range(4)])
    assert check(watch, [mention("promo again", handle="deals4u", seconds=1800)]) == [(BotReason.FLAGGED_RECENTLY,)]
    assert check(watch, [mention("promo later", handle="deals4u", seconds=3 * 3600)]) == [()]


def test_the_same_text_from_fresh_accounts_is_a_burst_but_not_from_established_ones():
    watch = BotWatch(BotRules(burst_authors=5, burst_max_followers=100))
    fresh = [mention("same text", handle=f"fresh{i}", followers=3, seconds=i * 30) for i in range(7)]
    assert watch.check(fresh, [42] * 7) == [()] * 4 + [(BotReason.DUPLICATE_BURST,)] * 3
    # The first four are remembered as part of the burst.
    assert check(watch, [mention("other text", handle="fresh0", followers=3, seconds=300)]) == [
        (BotReason.FLAGGED_RECENTLY,)
    ]
    established = [mention("same text", handle=f"known{i}", followers=5_000, seconds=i * 30) for i in range(7)]
    assert BotWatch().check(established, [7] * 7) == [()] * 7


def test_a_burst_needs_its_authors_within_the_window():
    watch = BotWatch(BotRules(burst_authors=3))
    slow = [mention("same text", handle=f"fresh{i}", followers=3, seconds=i * 3600) for i in range(5)]
    assert watch.check(slow, [1] * 5) == [()] * 5


def test_handle_and_follower_rules_only_when_configured():
    suspicious = mention("hello", handle="john84736251", followers=0)
    assert check(BotWatch(), [suspicious]) == [()]
    rules = BotRules(handle_patterns=(r"^[a-z]+\d{8}$",), min_followers=1)
    assert check(BotWatch(rules), [suspicious]) == [(BotReason.HANDLE_PATTERN, BotReason.FEW_FOLLOWERS)]


def test_memory_is_bounded_by_max_authors():
    watch = BotWatch(BotRules(max_authors=100, max_posts=2))
    check(watch, [mention("hi", handle=f"a{i}", seconds=i / 100) for i in range(10_000)])
    assert len(watch._posts) <= 100 and len(watch._flagged) <= 100


def test_state_round_trip_keeps_verdicts():
    rules = BotRules(max_posts=3, burst_authors=3)
    batches = [
        [mention(f"promo {i}", handle="bot", seconds=i) for i in range(3)]
        + [mention("same", handle=f"f{i}", followers=1, seconds=i) for i in range(2)],
        [mention("promo 9", handle="bot", seconds=10), mention("same", handle="f9", followers=1, seconds=11)],
    ]
    clusters = [[None] * 3 + [5, 5], [None, 5]]
    straight = BotWatch(rules)
    expected = [straight.check(b, c) for b, c in zip(batches, clusters, strict=True)]
    watch, resumed = BotWatch(rules), []
    for batch, cluster in zip(batches, clusters, strict=True):
        resumed.append(watch.check(batch, cluster))
        watch = BotWatch.from_state(json.loads(json.dumps(watch.state())), rules)
    assert resumed == expected
    assert expected[1] == [(BotReason.POSTING_RATE,), (BotReason.DUPLICATE_BURST,)]
