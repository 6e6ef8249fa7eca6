"""An incident's context in words, phrased once for every channel.

Each notifier lays these phrases out its own way (Block Kit, a terminal panel, an
email, an alert's details); the words, numbers and their rounding stay the same
everywhere, so the person on call reads the same thing on every screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alerts.context import IncidentContext, Term, TopAuthor
from alerts.incidents import Action, Change, Incident, IncidentEvent, IncidentStatus, Signal
from streams.records import SamplePost

#: How many of each list a message shows: enough to judge, few enough to read in ten seconds.
TOP_POSTS = 5
TOP_AUTHORS = 5
TOP_TERMS = 8
TOP_MIX = 4


def percent(share: float) -> str:
    """A share of 1 as a percentage, French-style spacing as in the on-call team's reports.

    >>> percent(0.583), percent(0.004)
    ('58 %', '0.4 %')
    """
    value = share * 100
    return f"{value:.1f} %" if 0 < value < 1 else f"{value:.0f} %"


def compact(number: float) -> str:
    """Audience sizes at a glance.

    >>> compact(950), compact(12_340), compact(2_400_000)
    ('950', '12.3k', '2.4M')
    """
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            return f"{number / size:.1f}".removesuffix(".0") + suffix
    return f"{number:.0f}"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut.

    >>> clip("Nuvola en panne", 10)
    'Nuvola en…'
    """
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ratio(incident: Incident) -> str | None:
    """How many times the usual level it is, e.g. ``"×15"``, when the usual level is not zero."""
    if incident.usual <= 0:
        return None
    times = incident.current.value / incident.usual
    return f"×{times:.1f}".removesuffix(".0") if times < 10 else f"×{times:.0f}"


def deviation(incident: Incident) -> str:
    """What deviates, by how much, against which baseline, e.g.
    ``"612 negative mentions in 10 min, usually 40 (33–48); 58 % negative, usually 12 %"``."""
    if incident.status is IncidentStatus.RESOLVED:
        text = f"peak {incident.what_spiked(incident.peak)}, {incident.baseline_text()}"
    else:
        text = f"{incident.what_spiked()}, {incident.baseline_text()}"
    negative = negative_share(incident)
    return f"{text}; {negative}" if negative else text


def negative_share(incident: Incident) -> str | None:
    """E.g. ``"58 % negative, usually 12 %"``; nothing when the signal is the share itself."""
    context = incident.context
    if context.volume == 0 or incident.signal is Signal.NEGATIVE_SHARE:
        return None
    text = f"{percent(context.negative_share)} negative"
    if context.usual_negative_share is not None:
        text += f", usually {percent(context.usual_negative_share)}"
    return text


def mix(counts: Mapping[str, int], limit: int = TOP_MIX) -> str:
    """The largest parts of a count, as shares, e.g. ``"fr 71 % · en 24 % · 2 others 5 %"``.

    >>> mix({"fr": 71, "en": 24, "de": 3, "es": 2}, limit=2)
    'fr 71 % · en 24 % · 2 others 5 %'
    """
    total = sum(counts.values())
    if total == 0:
        return ""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    parts = [f"{name} {percent(count / total)}" for name, count in ranked[:limit]]
    rest = ranked[limit:]
    if rest:
        parts.append(f"{len(rest)} other{'s' * (len(rest) > 1)} {percent(sum(c for _, c in rest) / total)}")
    return " · ".join(parts)


def amplification(context: IncidentContext) -> str:
    """Original conversation against reposts, and suspected bots, e.g.
    ``"38 % original, 62 % reposts · 14 suspected bots (left out)"``."""
    if context.volume == 0:
        return ""
    text = f"{percent(1 - context.repost_share)} original, {percent(context.repost_share)} reposts"
    if context.suspected_bots:
        text += f" · {context.suspected_bots:,} suspected bots (left out)"
    return text


def term_phrase(term: Term) -> str:
    """E.g. ``"#NuvolaPanne 212 (usually 3)"``."""
    return f"{term.term} {term.count:,} (usually {term.usual:,.0f})"


def author_phrase(author: TopAuthor) -> str:
    """E.g. ``"@claire_b (x, 5.1k followers): 12 mentions"``."""
    mentions = f"{author.mentions:,} mention{'s' * (author.mentions != 1)}"
    return f"@{author.handle} ({author.platform}, {compact(author.followers)} followers): {mentions}"


def post_byline(post: SamplePost) -> str:
    """E.g. ``"@claire_b · 5.1k followers · x · reach 12k · negative"``."""
    parts = [f"@{post.author}", f"{compact(post.followers)} followers", str(post.platform)]
    if post.reach:
        parts.append(f"reach {compact(post.reach)}")
    if post.sentiment:
        parts.append(post.sentiment)
    return " · ".join(parts)


def top_posts(incident: Incident) -> tuple[SamplePost, ...]:
    """The posts behind the incident, largest reach first."""
    posts = incident.context.top_posts
    return tuple(sorted(posts, key=lambda post: (-post.reach, -post.followers)))[:TOP_POSTS]


def verdict_text(verdict: Action) -> str:
    return {Action.REAL_CRISIS: "real crisis", Action.FALSE_POSITIVE: "not a crisis"}.get(verdict, str(verdict))


def state(incident: Incident, who: Callable[[str], str] = "@{}".format) -> str | None:
    """What people did about it, e.g. ``"Acknowledged by @claire · escalated to PR by @marc"``."""
    parts = []
    if incident.acknowledged_by:
        parts.append(f"acknowledged by {who(incident.acknowledged_by)}")
    if incident.escalated_by:
        parts.append(f"escalated to PR by {who(incident.escalated_by)}")
    if incident.verdict is not None:
        by = f" ({who(incident.verdict_by)})" if incident.verdict_by else ""
        parts.append(f"verdict: {verdict_text(incident.verdict)}{by}")
    if not parts:
        return None
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


def change_note(event: IncidentEvent, who: Callable[[str], str] = "@{}".format) -> str:
    """One line on what just happened to the incident, for threads, notes and timelines."""
    incident = event.incident
    by = {
        Change.ACKNOWLEDGED: incident.acknowledged_by,
        Change.ESCALATED_TO_PR: incident.escalated_by,
        Change.CONFIRMED: incident.verdict_by,
        Change.DISMISSED: incident.verdict_by,
    }.get(event.change)
    someone = f" by {who(by)}" if by else ""
    match event.change:
        case Change.OPENED:
            return f"Opened: {deviation(incident)}."
        case Change.ESCALATED:
            return f"Escalated to {incident.severity}: {deviation(incident)}."
        case Change.UPDATED:
            return f"Still rising: {deviation(incident)}."
        case Change.RESOLVED:
            return f"Resolved after {incident.lasted()}; {deviation(incident)}."
        case Change.ACKNOWLEDGED:
            return f"Acknowledged{someone}."
        case Change.ESCALATED_TO_PR:
            return f"Escalated to the PR team{someone}."
        case Change.CONFIRMED:
            return f"Marked a real crisis{someone}."
        case Change.DISMISSED:
            return f"Marked not a crisis{someone}: the detectors will learn from it."
    raise ValueError(f"unknown change {event.change}")


def links(context: IncidentContext) -> dict[str, str]:
    """The incident's links by label, those that are set."""
    found = {"Dashboard": context.dashboard_url, "Runbook": context.runbook_url}
    return {label: url for label, url in found.items() if url}


def details(incident: Incident) -> dict[str, Any]:
    """The context as JSON-ready data, for channels that take structured details."""
    context = incident.context
    data: dict[str, Any] = {
        "brand": incident.brand,
        "signal": str(incident.signal),
        "severity": str(incident.severity),
        "deviation": deviation(incident),
        "value": incident.current.value,
        "peak": incident.peak.value,
        "usual": incident.usual,
        "usual_range": [incident.usual_low, incident.usual_high],
        "score": round(incident.current.score, 2),
        "window": f"{incident.current.window_start.isoformat()}/{incident.current.window_end.isoformat()}",
        "opened_at": incident.opened_at.isoformat(),
    }
    if context.volume:
        data |= {
            "volume": context.volume,
            "negative": context.negative,
            "negative_share": round(context.negative_share, 4),
            "usual_negative_share": context.usual_negative_share,
            "repost_share": round(context.repost_share, 4),
            "suspected_bots": context.suspected_bots,
        }
    if context.emerging_terms:
        data["emerging_terms"] = [term_phrase(term) for term in context.emerging_terms[:TOP_TERMS]]
    if context.top_authors:
        data["top_authors"] = [author_phrase(author) for author in context.top_authors[:TOP_AUTHORS]]
    posts = top_posts(incident)
    if posts:
        data["top_posts"] = [{"by": post_byline(post), "text": post.text, "url": post.url} for post in posts]
    if context.languages:
        data["languages"] = mix(context.languages)
    if context.platforms:
        data["platforms"] = mix(context.platforms)
    progress = state(incident)
    if progress:
        data["state"] = progress
    return data | {label.lower(): url for label, url in links(context).items()}


def plain_text(event: IncidentEvent, post_chars: int = 280) -> str:
    """The whole context as plain text: email bodies, alert descriptions."""
    incident = event.incident
    context = incident.context
    lines = [incident.headline(), "", deviation(incident).capitalize() + "."]
    if event.change is not Change.OPENED:
        lines.append(change_note(event))
    progress = state(incident)
    if progress:
        lines.append(progress + ".")
    sections: list[tuple[str, list[str]]] = [
        ("Emerging terms", [term_phrase(term) for term in context.emerging_terms[:TOP_TERMS]]),
        ("Top authors", [author_phrase(author) for author in context.top_authors[:TOP_AUTHORS]]),
        (
            "Top posts by reach",
            [
                f"{post_byline(post)}\n  {clip(' '.join(post.text.split()), post_chars)}"
                + (f"\n  {post.url}" if post.url else "")
                for post in top_posts(incident)
            ],
        ),
    ]
    mixes = [
        f"Languages: {mix(context.languages)}" if context.languages else "",
        f"Platforms: {mix(context.platforms)}" if context.platforms else "",
        amplification(context),
    ]
    sections.append(("Mix", [line for line in mixes if line]))
    sections.append(("Links", [f"{label}: {url}" for label, url in links(context).items()]))
    for title, items in sections:
        if items:
            lines += ["", f"{title}:", *(f"- {item}" for item in items)]
    lines += ["", f"Incident {incident.dedup_key} · {event.change} · revision {incident.revision}"]
    return "\n".join(lines)
