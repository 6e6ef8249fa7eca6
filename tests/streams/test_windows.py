from __future__ import annotations

import json
from datetime import UTC, datetime

from badbuzz.streams.windows import TOP_POSTS, BrandWindows
from badbuzz.vocabulary.records import SAMPLE_TEXT_CHARS, Author, EnrichedMention, Kind, Platform, WindowCount
from badbuzz.vocabulary.sentiment import Sentiment

WINDOW = 60
LATENESS = 10
#: A window boundary for 60 s and 300 s windows, in epoch seconds.
T0 = 1_700_000_100
#: The wall clock while mentions arrive; far after T0, as in a replay.
WALL = 1_800_000_000.0


PROBS = {
    Sentiment.NEGATIVE: (0.8, 0.15, 0.05),
    Sentiment.NEUTRAL: (0.1, 0.8, 0.1),
    Sentiment.POSITIVE: (0.05, 0.15, 0.8),
}


def mention(
    mention_id: str,
    second: float,
    *,
    followers: int = 10,
    text: str = "hello",
    brand: str = "acme",
    sentiment: Sentiment = Sentiment.NEUTRAL,
    handle: str | None = None,
    language: str = "fr",
    platform: Platform = Platform.X,
) -> EnrichedMention:
    """A mention created ``second`` seconds after T0, its reach its author's followers."""
    return EnrichedMention(
        id=mention_id,
        brand=brand,
        platform=platform,
        author=Author(handle=handle or f"user-{mention_id}", followers=followers),
        text=text,
        created_at=datetime.fromtimestamp(T0 + second, UTC),
        detected_language=language,
        sentiment_probs=PROBS[sentiment],
        reach=float(followers),
    )


def new_windows() -> BrandWindows:
    return BrandWindows("acme", window_seconds=WINDOW, lateness_seconds=LATENESS)


def feed(windows: BrandWindows, seconds: list[float], *, now: float = WALL, prefix: str = "m") -> None:
    for index, second in enumerate(seconds):
        windows.add(mention(f"{prefix}{index}", second), now=now)


def at(second: float) -> datetime:
    return datetime.fromtimestamp(T0 + second, UTC)


def test_counts_mentions_per_tumbling_window() -> None:
    windows = new_windows()
    feed(windows, [1, 30, 59.9, 60, 119, 130])

    closed = windows.close(now=WALL)

    assert [(w.start, w.end, w.volume) for w in closed] == [(at(0), at(60), 3), (at(60), at(120), 2)]
    assert all(w.brand == "acme" and w.duplicates == 0 and w.late == 0 for w in closed)
    assert windows.close(now=WALL) == []


def test_counts_a_repeated_id_once() -> None:
    windows = new_windows()
    for second in [5, 5, 5]:
        windows.add(mention("same", second), now=WALL)
    windows.add(mention("other", 20), now=WALL)
    windows.add(mention("tick", 100), now=WALL)

    [window] = windows.close(now=WALL)

    assert window.volume == 2
    assert window.duplicates == 2


def test_emits_empty_windows_for_gaps() -> None:
    windows = new_windows()
    feed(windows, [5, 245])

    closed = windows.close(now=WALL)

    assert [(w.start, w.volume) for w in closed] == [(at(0), 1), (at(60), 0), (at(120), 0)]
    assert all(w.top_posts == () for w in closed[1:])
    assert all(a.end == b.start for a, b in zip(closed, closed[1:]))


def test_does_not_close_a_window_before_stream_time_passes_end_plus_lateness() -> None:
    windows = new_windows()
    feed(windows, [5, WINDOW + LATENESS - 1])
    assert windows.close(now=WALL) == []

    windows.add(mention("on-time", WINDOW + LATENESS), now=WALL)
    closed = windows.close(now=WALL)
    assert [(w.start, w.volume) for w in closed] == [(at(0), 1)]


def test_mentions_within_lateness_are_still_counted_in_their_window() -> None:
    windows = new_windows()
    feed(windows, [5, 65, 58], prefix="a")  # 58 arrives after 65, but before the window closed

    windows.add(mention("tick", 70), now=WALL)
    [first] = windows.close(now=WALL)

    assert first.volume == 2
    assert first.late == 0


def test_close_before_any_mention_emits_nothing() -> None:
    assert new_windows().close(now=WALL) == []


def test_silent_brand_windows_close_as_the_wall_clock_advances() -> None:
    windows = new_windows()
    windows.add(mention("only", 5), now=WALL)

    assert windows.close(now=WALL) == []
    # Event time advances with the wall clock: T0+5 + silence - lateness must reach T0+60.
    assert windows.close(now=WALL + 64) == []
    [first] = windows.close(now=WALL + 65)
    assert (first.start, first.volume) == (at(0), 1)

    later = windows.close(now=WALL + 185)
    assert [(w.start, w.volume) for w in later] == [(at(60), 0), (at(120), 0)]


def test_a_mention_for_a_closed_window_is_reported_late_and_not_counted() -> None:
    windows = new_windows()
    feed(windows, [5, 10, 75])
    [first] = windows.close(now=WALL)
    assert first.volume == 2

    windows.add(mention("straggler", 30), now=WALL)
    windows.add(mention("straggler-2", 59), now=WALL)
    windows.add(mention("tick", 130), now=WALL)
    closed = windows.close(now=WALL)

    assert [(w.start, w.volume, w.late) for w in closed] == [(at(60), 1, 2)]
    windows.add(mention("tick-2", 190), now=WALL)
    [third] = windows.close(now=WALL)
    assert third.late == 0


def test_a_redelivery_for_a_closed_window_is_late_not_duplicate() -> None:
    windows = new_windows()
    feed(windows, [5, 75])
    windows.close(now=WALL)

    windows.add(mention("m0", 5), now=WALL)
    windows.add(mention("tick", 130), now=WALL)
    [window] = windows.close(now=WALL)

    assert (window.volume, window.duplicates, window.late) == (1, 0, 1)


def test_a_late_mention_does_not_advance_stream_time() -> None:
    windows = new_windows()
    feed(windows, [5, 75])
    windows.close(now=WALL)
    before = windows.watermark(WALL)

    windows.add(mention("straggler", 30), now=WALL + 50)

    assert windows.watermark(WALL) == before


def test_first_window_accepts_out_of_order_mentions_within_lateness() -> None:
    windows = new_windows()
    windows.add(mention("first", 65), now=WALL)
    windows.add(mention("earlier", 55), now=WALL)  # stream time 65: window [0, 60) is still open
    windows.add(mention("tick", 130), now=WALL)

    closed = windows.close(now=WALL)

    assert [(w.start, w.volume, w.late) for w in closed] == [(at(0), 1, 0), (at(60), 1, 0)]


def test_top_posts_are_the_negative_ones_of_widest_reach_first() -> None:
    windows = new_windows()
    negative = Sentiment.NEGATIVE
    for index, (followers, sentiment) in enumerate(
        [(50, negative), (5_000, Sentiment.NEUTRAL), (10, negative), (200_000, Sentiment.POSITIVE), (700, negative)]
        + [(3, Sentiment.NEUTRAL), (9, Sentiment.NEUTRAL)]
    ):
        windows.add(mention(f"p{index}", 10 + index, followers=followers, sentiment=sentiment), now=WALL)
    windows.add(mention("tick", 100), now=WALL)

    [window] = windows.close(now=WALL)

    assert len(window.top_posts) == TOP_POSTS
    assert [s.id for s in window.top_posts] == ["p4", "p0", "p2", "p3", "p1"]
    assert [s.sentiment for s in window.top_posts[:3]] == ["negative"] * 3
    assert window.top_posts[0].reach == 700.0


def test_series_of_sentiment_reach_amplification_and_bots() -> None:
    windows = new_windows()
    windows.add(mention("n1", 1, followers=1_000, sentiment=Sentiment.NEGATIVE, handle="ann"), now=WALL)
    windows.add(mention("n2", 2, followers=10, sentiment=Sentiment.NEGATIVE, handle="ann"), now=WALL)
    windows.add(mention("p1", 3, followers=5, sentiment=Sentiment.POSITIVE, language="en"), now=WALL)
    windows.add(mention("r1", 4, followers=7, sentiment=Sentiment.NEGATIVE), now=WALL, kind=Kind.REPOST)
    windows.add(mention("c1", 5, followers=3), now=WALL, kind=Kind.COPY)
    windows.add(mention("b1", 6, followers=0, sentiment=Sentiment.NEGATIVE), now=WALL, suspected_bot=True)
    windows.add(mention("tick", 100), now=WALL)

    [window] = windows.close(now=WALL)

    assert (window.volume, window.negative, window.positive) == (5, 3, 1)
    assert window.negative_share == 3 / 5
    assert (window.reach, window.negative_reach) == (1_025.0, 1_017.0)
    assert (window.originals, window.reposts, window.copies) == (3, 1, 1)
    assert (window.suspected_bots, window.unique_authors) == (1, 4)
    assert window.languages == {"fr": 4, "en": 1}
    assert window.platforms == {"x": 5}
    assert window.top_authors[0].handle == "ann"
    assert (window.top_authors[0].mentions, window.top_authors[0].followers) == (2, 1_000)


def test_terms_count_mentions_using_them_not_reposts() -> None:
    windows = new_windows()
    windows.add(mention("a", 1, text="Panne #NuvolaPanne, panne et coupure"), now=WALL)
    windows.add(mention("b", 2, text="#nuvolapanne depuis ce matin"), now=WALL)
    windows.add(mention("c", 3, text="RT: panne #NuvolaPanne"), now=WALL, kind=Kind.REPOST)
    windows.add(mention("tick", 100), now=WALL)

    [window] = windows.close(now=WALL)

    assert window.terms == {"#nuvolapanne": 2, "panne": 1, "coupure": 1, "matin": 1}


def test_samples_truncate_long_texts() -> None:
    windows = new_windows()
    long_text = "x" * 1000
    windows.add(mention("long", 10, text=long_text, followers=9), now=WALL)
    windows.add(mention("short", 11, text="short one", followers=8), now=WALL)
    windows.add(mention("tick", 100), now=WALL)

    [window] = windows.close(now=WALL)

    long_sample, short_sample = window.top_posts
    assert len(long_sample.text) == SAMPLE_TEXT_CHARS
    assert long_sample.text.endswith("…")
    assert long_sample.text[:-1] == long_text[: SAMPLE_TEXT_CHARS - 1]
    assert short_sample.text == "short one"


def test_a_duplicate_is_neither_counted_nor_shown_twice() -> None:
    windows = new_windows()
    for _ in range(3):
        windows.add(mention("star", 10, followers=1_000_000), now=WALL)
    windows.add(mention("tick", 100), now=WALL)

    [window] = windows.close(now=WALL)

    assert [s.id for s in window.top_posts] == ["star"]


def round_trip(windows: BrandWindows) -> BrandWindows:
    state = json.loads(json.dumps(windows.state()))
    return BrandWindows.from_state("acme", state, window_seconds=WINDOW, lateness_seconds=LATENESS)


def run_continuation(windows: BrandWindows) -> list[WindowCount]:
    """What happens after the restart: a redelivery, new mentions, a late one, wall-clock closes."""
    out: list[WindowCount] = []
    windows.add(mention("a1", 70, followers=999), now=WALL + 1)  # seen before the round trip
    windows.add(mention("a2", 75, followers=5), now=WALL + 1)  # seen before the round trip
    windows.add(mention("b1", 80, followers=50_000, text="y" * 500), now=WALL + 2)
    windows.add(mention("b2", 135, followers=3), now=WALL + 3)
    out += windows.close(now=WALL + 3)
    windows.add(mention("b3", 20), now=WALL + 4)  # window [0, 60) closed before the round trip
    windows.add(mention("b4", 200), now=WALL + 5)
    out += windows.close(now=WALL + 5)
    out += windows.close(now=WALL + 400)
    return out


def before_restart() -> BrandWindows:
    windows = new_windows()
    for index, second in enumerate([5, 40, 40.5]):
        windows.add(mention(f"a{index}", second, followers=index * 10), now=WALL)
    for index, second in enumerate([70, 75, 110], start=1):
        windows.add(mention(f"a{index}", second, followers=index * 100), now=WALL)
    windows.add(mention("a-dup", 71), now=WALL)
    windows.add(mention("a-dup", 72), now=WALL)
    assert [w.volume for w in windows.close(now=WALL)] == [3]
    windows.add(mention("late-before", 1), now=WALL)
    return windows


def test_state_round_trips_through_json_and_counts_identically() -> None:
    uninterrupted = before_restart()
    restored = round_trip(before_restart())

    assert restored.state() == uninterrupted.state()

    expected = run_continuation(uninterrupted)
    actual = run_continuation(restored)

    assert actual == expected
    window_60 = actual[0]
    assert window_60.start == at(60)
    # a1..a3 and a-dup before the restart, b1 after; a1, a2 and a-dup again are duplicates.
    assert window_60.volume == 5
    assert window_60.duplicates == 3
    assert window_60.late == 1
    assert window_60.top_posts[0].id == "b1"
    assert window_60.top_posts[0].text.endswith("…")
    assert sum(w.late for w in actual) == 2


def test_from_state_with_another_window_length_starts_afresh() -> None:
    state = json.loads(json.dumps(before_restart().state()))

    windows = BrandWindows.from_state("acme", state, window_seconds=300, lateness_seconds=LATENESS)

    assert windows.state() == BrandWindows("acme", window_seconds=300, lateness_seconds=LATENESS).state()
    assert windows.close(now=WALL + 10_000) == []
    windows.add(mention("a1", 70), now=WALL)  # a duplicate before; new for the fresh state
    windows.add(mention("tick", 700), now=WALL)
    first = windows.close(now=WALL)[0]
    assert (first.start, first.end, first.volume, first.duplicates, first.late) == (at(0), at(300), 1, 0, 0)


def test_from_state_without_state_starts_afresh() -> None:
    windows = BrandWindows.from_state("acme", None, window_seconds=WINDOW, lateness_seconds=LATENESS)
    assert windows.state() == new_windows().state()


def crowded_window(mentions: int) -> BrandWindows:
    """One window of ``mentions`` distinct mentions by as many authors, with words of their own."""
    windows = new_windows()
    for i in range(mentions):
        windows.add(mention(f"m{i}", i % WINDOW, handle=f"author{i}", text=f"panne mot{i} #crise"), now=WALL)
    return windows


def test_a_crowded_window_keeps_exact_counts_in_a_state_of_a_few_bytes_a_mention() -> None:
    windows = crowded_window(20_000)
    state_bytes = len(json.dumps(windows.state()))
    windows = round_trip(windows)
    windows.add(mention("m7", 7, handle="author7"), now=WALL)  # redelivered after the restart
    windows.add(mention("tick", WINDOW + LATENESS), now=WALL)

    [window] = windows.close(now=WALL)

    assert (window.volume, window.unique_authors, window.duplicates) == (20_000, 20_000, 1)
    assert set(list(window.terms)[:2]) == {"#crise", "panne"}
    # The changelog takes at most a megabyte a record by default: a window this size must fit well inside.
    assert state_bytes / 20_000 < 30


def test_the_most_active_authors_outlast_the_pruning_of_the_rest() -> None:
    windows = crowded_window(5_000)
    for i in range(30):
        windows.add(mention(f"loud{i}", 1, handle="loud", followers=50), now=WALL)
    windows.add(mention("tick", WINDOW + LATENESS), now=WALL)

    [window] = windows.close(now=WALL)

    assert window.top_authors[0].handle == "loud"
    assert window.top_authors[0].mentions == 30
    assert window.unique_authors == 5_001


def test_state_in_an_older_layout_starts_afresh() -> None:
    state = json.loads(json.dumps(before_restart().state()))
    del state["format"]

    windows = BrandWindows.from_state("acme", state, window_seconds=WINDOW, lateness_seconds=LATENESS)

    assert windows.state() == new_windows().state()
