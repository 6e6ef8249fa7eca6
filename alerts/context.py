"""What an incident shows beside its numbers, so the person on call can judge it at once.

The detect agent fills an :class:`IncidentContext` from the brand's recent windows;
every notifier shapes the same context for its channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict

from badbuzz.vocabulary.context import SeriesPoint, Term
from badbuzz.vocabulary.records import SamplePost, TopAuthor, WindowCount

#: The Grafana dashboard of one brand, provisioned from deploy/ with this uid.
BRAND_DASHBOARD_UID = "badbuzz-brands"
#: How much time before an incident its dashboard link shows: the baseline it broke from.
DASHBOARD_LEAD = timedelta(hours=1)


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


def dashboard_url(
    grafana_url: str | None, brand: str, start: datetime, end: datetime, *, console: str, signal: str
) -> str:
    """Where an incident's "Dashboard" link goes: the brand's Grafana dashboard at the incident's time
    range (an hour before it began, to now), or the worker's console when there is no Grafana.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)
    >>> console = "http://localhost:6066/console"
    >>> dashboard_url("http://grafana:3000/", "café lumen", t, t, console=console, signal="volume")
    'http://grafana:3000/d/badbuzz-brands/badbuzz-brands?var-brand=caf%C3%A9+lumen&from=1795222800000&to=1795226400000'
    >>> dashboard_url(None, "café lumen", t, t, console=console, signal="volume")
    'http://localhost:6066/console/incidents/caf%C3%A9%20lumen/volume'
    """
    if not grafana_url:
        return f"{console.rstrip('/')}/incidents/{quote(brand, safe='')}/{signal}"
    query = urlencode(
        {
            "var-brand": brand,
            "from": int((start - DASHBOARD_LEAD).timestamp() * 1000),
            "to": int(end.timestamp() * 1000),
        }
    )
    return f"{grafana_url.rstrip('/')}/d/{BRAND_DASHBOARD_UID}/{BRAND_DASHBOARD_UID}?{query}"


def context_of(
    window: WindowCount,
    *,
    history: Sequence[SeriesPoint],
    emerging_terms: Sequence[Term],
    usual_negative_share: float | None,
    dashboard_url: str | None,
    runbook_url: str | None,
) -> IncidentContext:
    """The context of an incident as of ``window``, the latest window of its brand."""
    return IncidentContext(
        history=tuple(history),
        volume=window.volume,
        negative=window.negative,
        negative_share=window.negative_share,
        usual_negative_share=usual_negative_share,
        repost_share=(window.reposts + window.copies) / window.volume if window.volume else 0.0,
        suspected_bots=window.suspected_bots,
        top_posts=window.top_posts,
        top_authors=window.top_authors,
        emerging_terms=tuple(emerging_terms),
        languages=window.languages,
        platforms=window.platforms,
        dashboard_url=dashboard_url,
        runbook_url=runbook_url,
    )
