"""Tumbling event-time windows of one brand's mentions, counted once per mention id.

A brand's windows close on *its own event time*: a window closes once the newest
mention seen for the brand is ``lateness`` seconds past the window's end. While a
brand is silent its event time advances with the wall clock, so a quiet brand
still closes its windows (as zeros) and a replay of old mentions, whose event
time is far behind the wall clock, is windowed exactly as it happened.

Event time is bounded: a mention for a window already closed is refused as too old
(and counted in the next window's ``late``), and however far apart a brand's
mentions are in time, closing emits at most ``max_gap_windows`` empty windows in a
row: one mention dated 1970 cannot make a worker walk through fifty years of minutes.

The windows live in memory in the ingest stage; their state, a plain JSON dict, is
checkpointed to a changelog so that it comes back after a restart. What it keeps
per mention stays small even when a crisis brings hundreds of thousands of mentions
into one window: ids and authors are kept as packed 8-byte fingerprints (exact
counts, about 22 bytes a mention in all), the per-author and per-term details only
for the most frequent ones.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from operator import itemgetter
from typing import Any

from badbuzz.detectors.enrichment.terms import terms_of
from badbuzz.vocabulary.records import EnrichedMention, Kind, SamplePost, TopAuthor, WindowCount
from badbuzz.vocabulary.sentiment import Sentiment

#: Posts and authors a window keeps to show beside its numbers.
TOP_POSTS = 5
TOP_AUTHORS = 5
#: Bumped when the state's layout changes: state in an older layout starts afresh.
STATE_FORMAT = 2
#: Terms a closed window reports; the emerging-term judge ranks them against the brand's usual.
TOP_TERMS = 40
#: Authors and terms followed in detail per window: when twice as many are followed, the
#: least frequent half is dropped (a returning one starts again from zero, which cannot
#: change who tops a window that has this many).
KEPT_AUTHORS = 1_000
KEPT_TERMS = 1_000
#: Empty windows emitted in a row at most, by default: a day of one-minute windows.
MAX_GAP_WINDOWS = 1_440
#: An open window is offered for early judgement once its mentions (or negative mentions) so far are
#: this many times the previous window's, scaled to the time elapsed: the cheap test that keeps
#: thousands of quiet brands from sending a snapshot every few seconds.
NOTABLE_FACTOR = 2.0


class Added(Enum):
    """What became of a mention offered to a brand's windows."""

    COUNTED = "counted"
    DUPLICATE = "duplicate"
    TOO_OLD = "too_old"


def fingerprint(text: str) -> bytes:
    """64 bits of a mention id or an author handle: a collision inside one window is negligible."""
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def _pack(fingerprints: set[bytes]) -> str:
    return base64.b64encode(b"".join(sorted(fingerprints))).decode()


def _unpack(packed: str) -> set[bytes]:
    raw = base64.b64decode(packed)
    return {raw[i : i + 8] for i in range(0, len(raw), 8)}


#: An author's rank in a window: mentions, then followers.
_ACTIVITY = itemgetter(0, 1)


def _keep_frequent(details: dict, keep: int, rank: Callable[[Any], Any] = lambda value: value) -> None:
    """Drop all but the ``keep`` entries whose values rank highest once there are twice as many."""
    if len(details) >= 2 * keep:
        for key in sorted(details, key=lambda key: rank(details[key]))[: len(details) - keep]:
            del details[key]


def _post_rank(post: SamplePost) -> tuple[bool, float]:
    # Negative posts first, then the widest reach: the posts that make a bad buzz.
    return (post.sentiment == Sentiment.NEGATIVE, post.reach)


@dataclass
class OpenWindow:
    """The running counts of one window. Suspected bots are counted apart and nowhere else."""

    volume: int = 0
    negative: int = 0
    positive: int = 0
    reach: float = 0.0
    negative_reach: float = 0.0
    reposts: int = 0
    copies: int = 0
    suspected_bots: int = 0
    duplicates: int = 0
    seen: set[bytes] = field(default_factory=set)
    author_ids: set[bytes] = field(default_factory=set)
    #: handle → [mentions, followers, platform], for the most active authors only
    authors: dict[str, list] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    platforms: Counter[str] = field(default_factory=Counter)
    terms: Counter[str] = field(default_factory=Counter)
    top_posts: list[SamplePost] = field(default_factory=list)

    def add(self, mention: EnrichedMention, kind: Kind, suspected_bot: bool) -> Added:
        key = fingerprint(mention.id)
        if key in self.seen:
            self.duplicates += 1
            return Added.DUPLICATE
        self.seen.add(key)
        if suspected_bot:
            self.suspected_bots += 1
            return Added.COUNTED
        self.volume += 1
        sentiment = mention.sentiment
        self.negative += sentiment is Sentiment.NEGATIVE
        self.positive += sentiment is Sentiment.POSITIVE
        self.reach += mention.reach
        if sentiment is Sentiment.NEGATIVE:
            self.negative_reach += mention.reach
        self.reposts += kind is Kind.REPOST
        self.copies += kind is Kind.COPY
        self.author_ids.add(fingerprint(mention.author.handle))
        author = self.authors.setdefault(mention.author.handle, [0, 0, mention.platform.value])
        author[0] += 1
        author[1] = max(author[1], mention.author.followers)
        _keep_frequent(self.authors, KEPT_AUTHORS, rank=_ACTIVITY)
        self.languages[mention.detected_language] += 1
        self.platforms[mention.platform.value] += 1
        if kind is not Kind.REPOST:
            # A repost repeats its original's words; counting them again would only echo.
            self.terms.update(terms_of(mention.text))
            _keep_frequent(self.terms, KEPT_TERMS)
        self._consider(mention, sentiment)
        return Added.COUNTED

    def _consider(self, mention: EnrichedMention, sentiment: Sentiment) -> None:
        # Ranked before a post is made of it: most mentions never make the top.
        rank = (sentiment == Sentiment.NEGATIVE, mention.reach)
        if len(self.top_posts) == TOP_POSTS and rank <= _post_rank(self.top_posts[-1]):
            return
        self.top_posts.append(SamplePost.of(mention))
        self.top_posts.sort(key=_post_rank, reverse=True)
        del self.top_posts[TOP_POSTS:]

    def top_authors(self) -> tuple[TopAuthor, ...]:
        ranked = sorted(self.authors.items(), key=lambda item: (item[1][0], item[1][1]), reverse=True)
        return tuple(
            TopAuthor(handle=handle, mentions=mentions, followers=followers, platform=platform)
            for handle, (mentions, followers, platform) in ranked[:TOP_AUTHORS]
        )

    def state(self) -> dict[str, Any]:
        return {
            "counts": [
                self.volume,
                self.negative,
                self.positive,
                self.reach,
                self.negative_reach,
                self.reposts,
                self.copies,
                self.suspected_bots,
                self.duplicates,
            ],
            "seen": _pack(self.seen),
            "author_ids": _pack(self.author_ids),
            "authors": self.authors,
            "languages": self.languages,
            "platforms": self.platforms,
            "terms": self.terms,
            "top_posts": [post.model_dump(mode="json") for post in self.top_posts],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> OpenWindow:
        volume, negative, positive, reach, negative_reach, reposts, copies, bots, duplicates = state["counts"]
        return cls(
            volume=volume,
            negative=negative,
            positive=positive,
            reach=reach,
            negative_reach=negative_reach,
            reposts=reposts,
            copies=copies,
            suspected_bots=bots,
            duplicates=duplicates,
            seen=_unpack(state["seen"]),
            author_ids=_unpack(state["author_ids"]),
            authors=state["authors"],
            languages=Counter(state["languages"]),
            platforms=Counter(state["platforms"]),
            terms=Counter(state["terms"]),
            top_posts=[SamplePost.model_validate(post) for post in state["top_posts"]],
        )

    def count(self, brand: str, start: int, window_seconds: int, late: int) -> WindowCount:
        return WindowCount(
            brand=brand,
            start=datetime.fromtimestamp(start, UTC),
            end=datetime.fromtimestamp(start + window_seconds, UTC),
            volume=self.volume,
            negative=self.negative,
            positive=self.positive,
            reach=self.reach,
            negative_reach=self.negative_reach,
            reposts=self.reposts,
            copies=self.copies,
            suspected_bots=self.suspected_bots,
            unique_authors=len(self.author_ids),
            duplicates=self.duplicates,
            late=late,
            languages=dict(self.languages),
            platforms=dict(self.platforms),
            terms=dict(self.terms.most_common(TOP_TERMS)),
            top_posts=tuple(self.top_posts),
            top_authors=self.top_authors(),
        )


class BrandWindows:
    """The open windows of one brand and the point up to which windows were emitted.

    >>> from datetime import datetime, timezone
    >>> from badbuzz.vocabulary.records import Author, EnrichedMention
    >>> def mention(id, second):
    ...     return EnrichedMention(id=id, brand="acme", platform="x", text="hi",
    ...                            author=Author(handle="a", followers=1),
    ...                            created_at=datetime.fromtimestamp(second, timezone.utc),
    ...                            detected_language="en", sentiment_probs=(0.1, 0.8, 0.1), reach=1.0)
    >>> windows = BrandWindows("acme", window_seconds=60, lateness_seconds=10)
    >>> offered = [mention("1", 0), mention("2", 30), mention("2", 30), mention("3", 75)]
    >>> [windows.add(m, now=1000.0).value for m in offered]
    ['counted', 'counted', 'duplicate', 'counted']
    >>> [(w.start.second, w.volume, w.duplicates, w.unique_authors) for w in windows.close(now=1000.0)]
    [(0, 2, 1, 1)]
    """

    def __init__(
        self, brand: str, *, window_seconds: int, lateness_seconds: int, max_gap_windows: int = MAX_GAP_WINDOWS
    ) -> None:
        self.brand = brand
        self.window_seconds = window_seconds
        self.lateness_seconds = lateness_seconds
        self.max_gap_windows = max_gap_windows
        self.open: dict[int, OpenWindow] = {}
        self.next_close: int | None = None
        self.stream_time: float | None = None
        self.stream_time_wall: float | None = None
        self.late = 0
        #: The last closed window's (volume, negative), what the cheap test of :meth:`snapshot` scales;
        #: not checkpointed: after a restart, early judgement waits for a window to close.
        self.previous: tuple[int, int] | None = None

    def add(
        self, mention: EnrichedMention, *, now: float, kind: Kind = Kind.ORIGINAL, suspected_bot: bool = False
    ) -> Added:
        """Count ``mention`` in its window; ``now`` is the wall clock, in epoch seconds.

        A mention for a window already closed, or older than the brand's event time by more
        than ``max_gap_windows`` windows, is :attr:`Added.TOO_OLD`: counted nowhere but in
        the next window's ``late``.
        """
        created = mention.created_at.timestamp()
        start = int(created // self.window_seconds) * self.window_seconds
        if (self.next_close is not None and start < self.next_close) or (
            self.stream_time is not None and created < self.stream_time - self.horizon_seconds
        ):
            self.late += 1
            return Added.TOO_OLD
        added = self.open.setdefault(start, OpenWindow()).add(mention, kind, suspected_bot)
        if self.stream_time is None or created > self.stream_time:
            self.stream_time = created
            self.stream_time_wall = now
        return added

    @property
    def horizon_seconds(self) -> int:
        return self.max_gap_windows * self.window_seconds

    def watermark(self, now: float) -> float | None:
        """Event time up to which the brand's windows are complete."""
        if self.stream_time is None or self.stream_time_wall is None:
            return None
        silence = max(0.0, now - self.stream_time_wall)
        return self.stream_time + silence - self.lateness_seconds

    def close(self, *, now: float) -> list[WindowCount]:
        """Emit every window that ended before the watermark, empty ones included, oldest first."""
        watermark = self.watermark(now)
        if watermark is None:
            return []
        if self.next_close is None:
            # Nothing closed yet: the brand's windows start at the earliest mention seen.
            self.next_close = min(self.open)
        closed = []
        while self.next_close + self.window_seconds <= watermark:
            if self.next_close not in self.open:
                self._skip_long_gap(watermark)
            start = self.next_close
            window = self.open.pop(start, None) or OpenWindow()
            closed.append(window.count(self.brand, start, self.window_seconds, self.late))
            self.previous = (window.volume, window.negative)
            self.late = 0
            self.next_close = start + self.window_seconds
        return closed

    def snapshot(self, *, now: float, min_seconds: float, min_count: float) -> WindowCount | None:
        """The window open at the brand's event time so far, if it is already notable; else ``None``.

        Notable: ``min_seconds`` into it, every window before it closed, and its mentions or negative
        mentions at least ``min_count`` and ``NOTABLE_FACTOR`` times the previous window's scaled to
        the time elapsed. Event time runs on with the wall clock through a silence, so a window's
        elapsed time is never underestimated (which would understate what was expected of it).

        >>> from datetime import datetime, timezone
        >>> from badbuzz.vocabulary.records import Author, EnrichedMention
        >>> def mention(id, second):
        ...     return EnrichedMention(id=id, brand="acme", platform="x", text="hi",
        ...                            author=Author(handle=id, followers=1),
        ...                            created_at=datetime.fromtimestamp(second, timezone.utc),
        ...                            detected_language="en", sentiment_probs=(0.8, 0.1, 0.1), reach=1.0)
        >>> windows = BrandWindows("acme", window_seconds=60, lateness_seconds=10)
        >>> for i in range(12):
        ...     _ = windows.add(mention(f"a{i}", 5 * i), now=5.0 * i)
        >>> _ = windows.add(mention("b", 71), now=71.0)
        >>> [w.volume for w in windows.close(now=71.0)], windows.snapshot(now=71.0, min_seconds=10, min_count=10)
        ([12], None)
        >>> for i in range(14):
        ...     _ = windows.add(mention(f"c{i}", 72 + i), now=72.0 + i)
        >>> early = windows.snapshot(now=86.0, min_seconds=10, min_count=10)
        >>> early.volume, early.elapsed_seconds, early.start.minute
        (15, 26.0, 1)
        """
        if self.stream_time is None or self.stream_time_wall is None or self.previous is None:
            return None
        event_now = self.stream_time + max(0.0, now - self.stream_time_wall)
        start = int(event_now // self.window_seconds) * self.window_seconds
        window = self.open.get(start)
        elapsed = min(float(self.window_seconds), event_now - start)
        if window is None or start != self.next_close or elapsed < min_seconds:
            return None
        fraction = elapsed / self.window_seconds
        volume, negative = self.previous
        if not any(
            count >= min_count and count >= NOTABLE_FACTOR * before * fraction
            for count, before in ((window.volume, volume), (window.negative, negative))
        ):
            return None
        return window.count(self.brand, start, self.window_seconds, self.late).model_copy(
            update={"elapsed_seconds": elapsed}
        )

    def _skip_long_gap(self, watermark: float) -> None:
        """Past a gap longer than the horizon, go on ``max_gap_windows`` before what comes next."""
        upcoming = min(self.open, default=int(watermark // self.window_seconds) * self.window_seconds)
        self.next_close = max(self.next_close, upcoming - self.horizon_seconds)

    def state(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "window_seconds": self.window_seconds,
            "next_close": self.next_close,
            "stream_time": self.stream_time,
            "stream_time_wall": self.stream_time_wall,
            "late": self.late,
            "open": {str(start): window.state() for start, window in self.open.items()},
        }

    @classmethod
    def from_state(
        cls,
        brand: str,
        state: dict[str, Any] | None,
        *,
        window_seconds: int,
        lateness_seconds: int,
        max_gap_windows: int = MAX_GAP_WINDOWS,
    ) -> BrandWindows:
        """Rebuild from :meth:`state`; state kept under another window length or layout starts afresh."""
        windows = cls(
            brand, window_seconds=window_seconds, lateness_seconds=lateness_seconds, max_gap_windows=max_gap_windows
        )
        if state and state.get("format") == STATE_FORMAT and state["window_seconds"] == window_seconds:
            windows.next_close = state["next_close"]
            windows.stream_time = state["stream_time"]
            windows.stream_time_wall = state["stream_time_wall"]
            windows.late = state["late"]
            windows.open = {int(start): OpenWindow.from_state(w) for start, w in state["open"].items()}
        return windows
