"""Tumbling event-time windows of one brand's mentions, counted once per mention id.

A brand's windows close on *its own event time*: a window closes once the newest
mention seen for the brand is ``lateness`` seconds past the window's end. While a
brand is silent its event time advances with the wall clock, so a quiet brand
still closes its windows (as zeros) and a replay of old mentions, whose event
time is far behind the wall clock, is windowed exactly as it happened.

The state is a plain JSON dict so that it lives in a Faust table and comes back
after a restart; ids are kept as short fingerprints, only for the open windows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.records import Mention, SamplePost, WindowCount

SAMPLES_PER_WINDOW = 3


def fingerprint(mention_id: str) -> str:
    """64 bits of the id: a collision inside one brand's open windows is negligible."""
    return hashlib.blake2b(mention_id.encode(), digest_size=8).hexdigest()


@dataclass
class OpenWindow:
    volume: int = 0
    duplicates: int = 0
    seen: set[str] = field(default_factory=set)
    samples: list[SamplePost] = field(default_factory=list)

    def add(self, mention: Mention) -> None:
        key = fingerprint(mention.id)
        if key in self.seen:
            self.duplicates += 1
            return
        self.seen.add(key)
        self.volume += 1
        if len(self.samples) < SAMPLES_PER_WINDOW or mention.author.followers > self.samples[-1].followers:
            self.samples.append(SamplePost.of(mention))
            self.samples.sort(key=lambda sample: sample.followers, reverse=True)
            del self.samples[SAMPLES_PER_WINDOW:]

    def state(self) -> dict[str, Any]:
        return {
            "volume": self.volume,
            "duplicates": self.duplicates,
            "seen": sorted(self.seen),
            "samples": [sample.model_dump(mode="json") for sample in self.samples],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> OpenWindow:
        return cls(
            volume=state["volume"],
            duplicates=state["duplicates"],
            seen=set(state["seen"]),
            samples=[SamplePost.model_validate(sample) for sample in state["samples"]],
        )


class BrandWindows:
    """The open windows of one brand and the point up to which windows were emitted.

    >>> from datetime import datetime, timezone
    >>> from streams.records import Author, Mention
    >>> def mention(id, second):
    ...     return Mention(id=id, brand="acme", platform="x", text="hi",
    ...                    author=Author(handle="a", followers=1),
    ...                    created_at=datetime.fromtimestamp(second, timezone.utc))
    >>> windows = BrandWindows("acme", window_seconds=60, lateness_seconds=10)
    >>> for m in [mention("1", 0), mention("2", 30), mention("2", 30), mention("3", 75)]:
    ...     windows.add(m, now=1000.0)
    >>> windows.close(now=1000.0)
    [WindowCount(brand='acme', ... volume=2, duplicates=1, ...)]
    """

    def __init__(self, brand: str, *, window_seconds: int, lateness_seconds: int) -> None:
        self.brand = brand
        self.window_seconds = window_seconds
        self.lateness_seconds = lateness_seconds
        self.open: dict[int, OpenWindow] = {}
        self.next_close: int | None = None
        self.stream_time: float | None = None
        self.stream_time_wall: float | None = None
        self.late = 0

    def add(self, mention: Mention, *, now: float) -> None:
        """Count ``mention`` in its window; ``now`` is the wall clock, in epoch seconds."""
        created = mention.created_at.timestamp()
        start = int(created // self.window_seconds) * self.window_seconds
        if self.next_close is not None and start < self.next_close:
            self.late += 1
            return
        self.open.setdefault(start, OpenWindow()).add(mention)
        if self.stream_time is None or created > self.stream_time:
            self.stream_time = created
            self.stream_time_wall = now

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
            start = self.next_close
            window = self.open.pop(start, None) or OpenWindow()
            closed.append(
                WindowCount(
                    brand=self.brand,
                    start=datetime.fromtimestamp(start, UTC),
                    end=datetime.fromtimestamp(start + self.window_seconds, UTC),
                    volume=window.volume,
                    duplicates=window.duplicates,
                    late=self.late,
                    samples=tuple(window.samples),
                )
            )
            self.late = 0
            self.next_close = start + self.window_seconds
        return closed

    def state(self) -> dict[str, Any]:
        return {
            "window_seconds": self.window_seconds,
            "next_close": self.next_close,
            "stream_time": self.stream_time,
            "stream_time_wall": self.stream_time_wall,
            "late": self.late,
            "open": {str(start): window.state() for start, window in self.open.items()},
        }

    @classmethod
    def from_state(
        cls, brand: str, state: dict[str, Any] | None, *, window_seconds: int, lateness_seconds: int
    ) -> BrandWindows:
        """Rebuild from :meth:`state`; state kept under another window length starts afresh."""
        windows = cls(brand, window_seconds=window_seconds, lateness_seconds=lateness_seconds)
        if state and state["window_seconds"] == window_seconds:
            windows.next_close = state["next_close"]
            windows.stream_time = state["stream_time"]
            windows.stream_time_wall = state["stream_time_wall"]
            windows.late = state["late"]
            windows.open = {int(start): OpenWindow.from_state(w) for start, w in state["open"].items()}
        return windows
