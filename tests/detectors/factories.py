"""Mentions for detector tests: one brand, one platform, times counted in seconds from a fixed start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from badbuzz.vocabulary.records import Author, Mention, Platform

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def mention(
    text: str,
    *,
    handle: str = "someone",
    followers: int = 250,
    seconds: float = 0,
    platform: Platform = Platform.X,
    is_repost: bool = False,
    is_reply: bool = False,
    id: str | None = None,
) -> Mention:
    return Mention(
        id=id or f"{handle}-{seconds}",
        brand="oceane-air",
        platform=platform,
        author=Author(handle=handle, followers=followers),
        text=text,
        created_at=START + timedelta(seconds=seconds),
        is_repost=is_repost,
        is_reply=is_reply,
    )
