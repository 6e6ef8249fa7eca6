"""Reach: how many people a mention plausibly reached, from its author's audience.

The model is deliberately plain, so a community manager can redo it in their head:

    reach = clamp(followers × platform fraction × kind factor, 1, max_reach)

- **Platform fraction**: the share of an author's followers who typically see a post.
  Feeds are ranked, so it is far below 1 on most platforms (a few per cent of a
  Facebook or X audience), and near or above it where distribution does not follow the
  social graph (TikTok's For You feed). The defaults are rounded orders of magnitude
  from public organic-reach figures, not measurements: override them per deployment.
- **Kind factor**: a reply mostly reaches the thread's readers, not the replier's
  followers; a repost is shown to the reposter's followers like a post of their own.
- **Bounds**: a mention reached at least one person (whoever reads it now), and one
  celebrity account must not outweigh a whole crisis in the reach-weighted series, so
  reach is capped.

The result is a weight for reach-weighted series, not an audience measurement.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from badbuzz.vocabulary.records import MAX_FOLLOWERS, Mention, Platform

DEFAULT_FRACTIONS: dict[Platform, float] = {
    Platform.X: 0.05,
    Platform.FACEBOOK: 0.05,
    Platform.INSTAGRAM: 0.1,
    Platform.TIKTOK: 0.5,
    Platform.YOUTUBE: 0.1,
    Platform.REDDIT: 0.05,
    Platform.LINKEDIN: 0.08,
    # For a news site, "followers" is the collector's audience estimate (daily readers).
    Platform.NEWS: 0.02,
    Platform.BLOG: 0.1,
    Platform.FORUM: 0.1,
    Platform.REVIEW: 0.05,
    Platform.OTHER: 0.05,
}


class ReachModel(BaseModel):
    """Turns a mention's author audience into a reach weight.

    Parameters
    ----------
    fractions
        Per platform, the share of followers who see a post; platforms left out use
        ``default_fraction``.
    default_fraction
        The share for platforms missing from ``fractions``.
    reply_factor
        Multiplies the reach of replies.
    repost_factor
        Multiplies the reach of reposts.
    max_reach
        The cap on one mention's reach.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from badbuzz.vocabulary.records import Author, Mention
    >>> def mention(platform, followers, **flags):
    ...     return Mention(id="1", brand="nuvola", platform=platform, text="...",
    ...                    author=Author(handle="someone", followers=followers),
    ...                    created_at=datetime(2026, 3, 2, tzinfo=timezone.utc), **flags)
    >>> model = ReachModel()
    >>> model.weight(mention("x", 20_000))
    1000.0
    >>> model.weight(mention("x", 20_000, is_reply=True))
    100.0
    >>> model.weight(mention("tiktok", 20_000))
    10000.0
    >>> model.weight(mention("x", 0))
    1.0
    >>> model.weight(mention("x", 2_000_000_000))
    10000000.0
    >>> model.weight(Mention.model_construct(platform="x", is_reply=False, is_repost=False,
    ...                                      author=Author.model_construct(followers=10**400)))
    10000000.0
    """

    model_config = ConfigDict(frozen=True)

    fractions: dict[Platform, float] = Field(default_factory=lambda: dict(DEFAULT_FRACTIONS))
    default_fraction: float = Field(0.05, gt=0)
    reply_factor: float = Field(0.1, gt=0)
    repost_factor: float = Field(1.0, gt=0)
    max_reach: float = Field(10_000_000, ge=1)

    def weight(self, mention: Mention) -> float:
        """The reach weight of ``mention``: at least 1, at most ``max_reach``."""
        # Validation bounds followers; a Mention built in code is not validated against it, and an
        # integer beyond float range would raise OverflowError here.
        followers = min(mention.author.followers, MAX_FOLLOWERS)
        reach = followers * self.fractions.get(mention.platform, self.default_fraction)
        if mention.is_reply:
            reach *= self.reply_factor
        if mention.is_repost:
            reach *= self.repost_factor
        return float(min(max(reach, 1.0), self.max_reach))
