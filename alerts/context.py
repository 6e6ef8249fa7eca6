"""What an incident shows beside its numbers, so the person on call can judge it at once.

The detect agent fills an :class:`IncidentContext` from the brand's recent windows;
every notifier shapes the same context for its channel.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from streams.records import SamplePost, TopAuthor  # noqa: F401 (TopAuthor: part of the context)


class SeriesPoint(BaseModel):
    """One window of the deviating signal, with the baseline band it was judged against."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    value: float
    usual: float
    usual_low: float
    usual_high: float
    anomalous: bool = False


class Term(BaseModel):
    """A word or hashtag driving the rise: how often it came up, against how often it usually does."""

    model_config = ConfigDict(frozen=True)

    term: str
    count: int
    usual: float


class IncidentContext(BaseModel):
    """The evidence behind an incident, as of its latest window."""

    model_config = ConfigDict(frozen=True)

    history: tuple[SeriesPoint, ...] = ()
    volume: int = 0
    negative: int = 0
    negative_share: float = 0.0
    usual_negative_share: float | None = None
    repost_share: float = 0.0
    suspected_bots: int = 0
    top_posts: tuple[SamplePost, ...] = ()
    top_authors: tuple[TopAuthor, ...] = ()
    emerging_terms: tuple[Term, ...] = ()
    languages: dict[str, int] = {}
    platforms: dict[str, int] = {}
    dashboard_url: str | None = None
    runbook_url: str | None = None
