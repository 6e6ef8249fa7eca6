"""Suspected bots and spam: configurable rules over one brand's recent mentions.

Each rule that fires on a mention names itself in the verdict (a :class:`BotReason`),
so a person can see why a mention was set apart; flagged mentions are counted apart,
never dropped. The rules:

- ``posting_rate``: the author posted more than ``max_posts`` mentions of the brand
  within ``rate_window``;
- ``duplicate_burst``: ``burst_authors`` or more low-audience accounts (fewer than
  ``burst_max_followers`` followers: what fresh accounts look like when the feed has no
  account age) posted the same or nearly the same text within ``burst_window``; every
  one of them from that point on is flagged;
- ``flagged_recently``: the author tripped one of the two rules above within
  ``remember_for``, so a bot that slows down is still a bot;
- ``handle_pattern``: the handle matches one of ``handle_patterns`` (off by default);
- ``few_followers``: the author has fewer than ``min_followers`` followers (off by default).

Memory is bounded: authors are forgotten once their recent posts fall out of the
windows, and at most ``max_authors`` are tracked per brand (least recently seen dropped).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum
from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from badbuzz.detectors.anomaly.packing import pack, unpack
from badbuzz.detectors.authenticity.amplification import author_key
from badbuzz.vocabulary.records import Mention


class BotReason(StrEnum):
    """Why a mention looks automated (a bounded set: safe as a metric label)."""

    POSTING_RATE = "posting_rate"
    DUPLICATE_BURST = "duplicate_burst"
    FLAGGED_RECENTLY = "flagged_recently"
    HANDLE_PATTERN = "handle_pattern"
    FEW_FOLLOWERS = "few_followers"


class BotRules(BaseModel):
    """The bot and spam rules of one deployment."""

    model_config = ConfigDict(frozen=True)

    max_posts: int = Field(20, ge=1, description="More mentions than this by one author within rate_window is a bot.")
    rate_window: timedelta = timedelta(minutes=5)
    burst_authors: int = Field(5, ge=2, description="This many low-audience authors of one text make a burst.")
    burst_window: timedelta = timedelta(minutes=10)
    burst_max_followers: int = Field(100, ge=1, description="Authors with fewer followers count towards bursts.")
    remember_for: timedelta = Field(timedelta(hours=1), description="How long a flagged author stays suspected.")
    handle_patterns: tuple[str, ...] = Field((), description=r"Regexes searched in handles, e.g. '^[a-z]+\d{8}$'.")
    min_followers: int = Field(0, ge=0, description="Authors with fewer followers are flagged; 0 disables.")
    max_authors: int = Field(50_000, ge=1, description="Authors tracked per brand, least recently seen dropped.")

    @cached_property
    def handle_regex(self) -> re.Pattern[str] | None:
        return re.compile("|".join(f"(?:{p})" for p in self.handle_patterns)) if self.handle_patterns else None


class BotWatch:
    """One brand's recent authors and text bursts, applying :class:`BotRules` to new mentions.

    Parameters
    ----------
    rules
        The rules and their thresholds.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> from badbuzz.vocabulary.records import Author, Mention
    >>> start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    >>> spam = [Mention(id=str(i), brand="nuvola", platform="x", text=f"Promo nuvola {i}",
    ...                 author=Author(handle="deals4u", followers=3),
    ...                 created_at=start + timedelta(seconds=10 * i)) for i in range(4)]
    >>> watch = BotWatch(BotRules(max_posts=2))
    >>> [[reason.value for reason in reasons] for reasons in watch.check(spam, [None] * 4)]
    [[], [], ['posting_rate'], ['posting_rate']]
    """

    def __init__(self, rules: BotRules | None = None) -> None:
        self.rules = rules or BotRules()
        self._posts: OrderedDict[int, list[int]] = OrderedDict()
        self._bursts: OrderedDict[int, list[tuple[int, int]]] = OrderedDict()
        self._flagged: OrderedDict[int, int] = OrderedDict()
        self._now = 0

    def check(self, mentions: Sequence[Mention], clusters: Sequence[int | None]) -> list[tuple[BotReason, ...]]:
        """The rules each mention trips, in order; ``clusters`` are the near-duplicate clusters they joined."""
        reasons = [self._check_one(m, cluster) for m, cluster in zip(mentions, clusters, strict=True)]
        # Verdicts never depend on forgetting (every rule looks at times), only memory does: once a batch is enough.
        self._forget()
        return reasons

    def _check_one(self, mention: Mention, cluster: int | None) -> tuple[BotReason, ...]:
        rules = self.rules
        author = author_key(mention)
        at = int(mention.created_at.timestamp())
        self._now = max(self._now, at)
        reasons = []
        if self._too_fast(author, at):
            reasons.append(BotReason.POSTING_RATE)
        if cluster is not None and mention.author.followers < rules.burst_max_followers:
            burst = self._join_burst(cluster, author, at)
            if burst:
                reasons.append(BotReason.DUPLICATE_BURST)
                for member, _ in burst:
                    self._flag(member, at)
        if reasons:
            self._flag(author, at)
        elif self._flagged.get(author, -1) >= at:
            reasons.append(BotReason.FLAGGED_RECENTLY)
        if rules.handle_regex is not None and rules.handle_regex.search(mention.author.handle):
            reasons.append(BotReason.HANDLE_PATTERN)
        if mention.author.followers < rules.min_followers:
            reasons.append(BotReason.FEW_FOLLOWERS)
        return tuple(reasons)

    def _too_fast(self, author: int, at: int) -> bool:
        since = at - self.rules.rate_window.total_seconds()
        times = [t for t in self._posts.pop(author, ()) if t > since]
        times.append(at)
        self._posts[author] = times[-(self.rules.max_posts + 1) :]
        self._bound(self._posts)
        return len(times) > self.rules.max_posts

    def _join_burst(self, cluster: int, author: int, at: int) -> list[tuple[int, int]]:
        """The burst's members if ``author`` makes it one, else an empty list."""
        since = at - self.rules.burst_window.total_seconds()
        members = [(a, t) for a, t in self._bursts.pop(cluster, ()) if t > since and a != author]
        members.append((author, at))
        self._bursts[cluster] = members[-self.rules.burst_authors :]
        self._bound(self._bursts)
        return members if len(members) >= self.rules.burst_authors else []

    def _flag(self, author: int, at: int) -> None:
        self._flagged.pop(author, None)
        self._flagged[author] = at + int(self.rules.remember_for.total_seconds())
        self._bound(self._flagged)

    def _bound(self, recent: OrderedDict) -> None:
        while len(recent) > self.rules.max_authors:
            recent.popitem(last=False)

    def _forget(self) -> None:
        """Drops what no rule can use any more; the dicts are in last-seen order."""
        now, rules = self._now, self.rules
        _drop_while(self._posts, lambda times: times[-1] <= now - rules.rate_window.total_seconds())
        _drop_while(self._bursts, lambda members: members[-1][1] <= now - rules.burst_window.total_seconds())
        _drop_while(self._flagged, lambda until: until < now)

    def state(self) -> dict:
        """The recent authors and bursts, as a compact JSON-able dict."""
        posts, bursts = list(self._posts.items()), list(self._bursts.items())
        return {
            "now": self._now,
            "post_authors": pack((author for author, _ in posts), "<u8"),
            "post_counts": pack((len(times) for _, times in posts), "<u4"),
            "post_times": pack((t for _, times in posts for t in times), "<i8"),
            "burst_clusters": pack((cluster for cluster, _ in bursts), "<u8"),
            "burst_counts": pack((len(members) for _, members in bursts), "<u4"),
            "burst_authors": pack((a for _, members in bursts for a, _ in members), "<u8"),
            "burst_times": pack((t for _, members in bursts for _, t in members), "<i8"),
            "flagged_authors": pack(self._flagged.keys(), "<u8"),
            "flagged_until": pack(self._flagged.values(), "<i8"),
        }

    @classmethod
    def from_state(cls, state: dict, rules: BotRules | None = None) -> BotWatch:
        """The :class:`BotWatch` whose :meth:`state` was ``state``."""
        watch = cls(rules)
        watch._now = state["now"]
        column = {name: unpack(state[name], dtype).tolist() for name, dtype in _STATE_COLUMNS}
        post_times = _split(column["post_times"], column["post_counts"])
        watch._posts.update(zip(column["post_authors"], post_times, strict=True))
        burst_members = _split(
            list(zip(column["burst_authors"], column["burst_times"], strict=True)), column["burst_counts"]
        )
        watch._bursts.update(zip(column["burst_clusters"], burst_members, strict=True))
        watch._flagged.update(zip(column["flagged_authors"], column["flagged_until"], strict=True))
        return watch


_STATE_COLUMNS = (
    ("post_authors", "<u8"),
    ("post_counts", "<u4"),
    ("post_times", "<i8"),
    ("burst_clusters", "<u8"),
    ("burst_counts", "<u4"),
    ("burst_authors", "<u8"),
    ("burst_times", "<i8"),
    ("flagged_authors", "<u8"),
    ("flagged_until", "<i8"),
)


def _drop_while(recent: OrderedDict, expired) -> None:
    while recent and expired(next(iter(recent.values()))):
        recent.popitem(last=False)


def _split(values: list, counts: list[int]) -> list[list]:
    ends = np.cumsum(counts).tolist()
    return [values[end - count : end] for end, count in zip(ends, counts, strict=True)]
