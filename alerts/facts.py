"""An incident's context in words, phrased once for every channel.

Each notifier lays these phrases out its own way (Block Kit, a terminal panel, an
email, an alert's details); the words, numbers and their rounding stay the same
everywhere, so the person on call reads the same thing on every screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from badbuzz.alerts import i18n
from badbuzz.alerts.context import IncidentContext
from badbuzz.alerts.i18n import N_, _
from badbuzz.alerts.incidents import Action, Change, Incident, IncidentEvent, IncidentStatus, severity_text
from badbuzz.vocabulary.context import Term
from badbuzz.vocabulary.records import SamplePost, TopAuthor
from badbuzz.vocabulary.signals import Signal

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
    return i18n.percent(share)


def compact(number: float) -> str:
    """Audience sizes at a glance.

    >>> compact(950), compact(12_340), compact(2_400_000)
    ('950', '12.3k', '2.4M')
    >>> with i18n.speaking("fr"):
    ...     compact(2_400_000)
    '2,4\u00a0M'
    """
    french = i18n.current() is i18n.Language.FRENCH
    for size, suffix in ((1e9, _("B")), (1e6, "M"), (1e3, "k")):
        if abs(number) >= size:
            scaled = round(number / size, 1)
            digits = i18n.number(scaled, 0 if scaled == int(scaled) else 1)
            return f"{digits}\u00a0{suffix}" if french else digits + suffix
    return i18n.number(number)


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
    if times < 10:
        return "×" + i18n.number(round(times, 1), 0 if round(times, 1) == int(times) else 1)
    return "×" + i18n.number(times)


def deviation(incident: Incident) -> str:
    """What deviates, by how much, against which baseline, e.g.
    ``"612 negative mentions in 10 min, usually 40 (33–48); 58 % negative, usually 12 %"``."""
    if incident.status is IncidentStatus.RESOLVED:
        text = _("peak {peak}, {baseline}").format(
            peak=incident.what_spiked(incident.peak), baseline=incident.baseline_text()
        )
    else:
        text = _("{what}, {baseline}").format(what=incident.what_spiked(), baseline=incident.baseline_text())
    negative = negative_share(incident)
    return _("{text}; {share}").format(text=text, share=negative) if negative else text


def negative_share(incident: Incident) -> str | None:
    """E.g. ``"58 % negative, usually 12 %"``; nothing when the signal is the share itself."""
    context = incident.context
    if context.volume == 0 or incident.signal is Signal.NEGATIVE_SHARE:
        return None
    if context.usual_negative_share is None:
        return _("{share} negative").format(share=percent(context.negative_share))
    return _("{share} negative, usually {usual}").format(
        share=percent(context.negative_share), usual=percent(context.usual_negative_share)
    )


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
        others = i18n.ngettext("{n} other", "{n} others", len(rest)).format(n=len(rest))
        parts.append(f"{others} {percent(sum(c for _n, c in rest) / total)}")
    return " · ".join(parts)


def amplification(context: IncidentContext) -> str:
    """Original conversation against reposts, and suspected bots, e.g.
    ``"38 % original, 62 % reposts · 14 suspected bots (left out)"``."""
    if context.volume == 0:
        return ""
    text = _("{original} original, {reposts} reposts").format(
        original=percent(1 - context.repost_share), reposts=percent(context.repost_share)
    )
    if context.suspected_bots:
        bots = i18n.ngettext(
            "{n} suspected bot (left out)", "{n} suspected bots (left out)", context.suspected_bots
        ).format(n=i18n.number(context.suspected_bots))
        text += f" · {bots}"
    return text


def term_phrase(term: Term) -> str:
    """E.g. ``"#NuvolaPanne 212 (usually 3)"``."""
    return _("{term} {count} (usually {usual})").format(
        term=term.term, count=i18n.number(term.count), usual=i18n.number(term.usual)
    )


def author_phrase(author: TopAuthor) -> str:
    """E.g. ``"@claire_b (x, 5.1k followers): 12 mentions"``."""
    mentions = i18n.ngettext("{n} mention", "{n} mentions", author.mentions).format(n=i18n.number(author.mentions))
    return _("@{handle} ({platform}, {followers} followers): {mentions}").format(
        handle=author.handle, platform=author.platform, followers=compact(author.followers), mentions=mentions
    )


SENTIMENTS = {"negative": N_("negative"), "positive": N_("positive"), "neutral": N_("neutral")}


def post_byline(post: SamplePost) -> str:
    """E.g. ``"@claire_b · 5.1k followers · x · reach 12k · negative"``."""
    parts = [f"@{post.author}", _("{n} followers").format(n=compact(post.followers)), str(post.platform)]
    if post.reach:
        parts.append(_("reach {n}").format(n=compact(post.reach)))
    if post.sentiment:
        parts.append(_(SENTIMENTS[post.sentiment]) if post.sentiment in SENTIMENTS else post.sentiment)
    return " · ".join(parts)


def top_posts(incident: Incident) -> tuple[SamplePost, ...]:
    """The posts behind the incident, largest reach first."""
    posts = incident.context.top_posts
    return tuple(sorted(posts, key=lambda post: (-post.reach, -post.followers)))[:TOP_POSTS]


def verdict_text(verdict: Action) -> str:
    return {Action.REAL_CRISIS: _("real crisis"), Action.FALSE_POSITIVE: _("not a crisis")}.get(verdict, str(verdict))


def state(incident: Incident, who: Callable[[str], str] = "@{}".format) -> str | None:
    """What people did about it, e.g. ``"Acknowledged by @claire · escalated to PR by @marc"``."""
    parts = []
    if incident.acknowledged_by:
        parts.append(_("acknowledged by {who}").format(who=who(incident.acknowledged_by)))
    if incident.escalated_by:
        parts.append(_("escalated to PR by {who}").format(who=who(incident.escalated_by)))
    if incident.verdict is not None:
        if incident.verdict_by:
            parts.append(
                _("verdict: {verdict} ({who})").format(
                    verdict=verdict_text(incident.verdict), who=who(incident.verdict_by)
                )
            )
        else:
            parts.append(_("verdict: {verdict}").format(verdict=verdict_text(incident.verdict)))
    if not parts:
        return None
    text = " · ".join(parts)
    return text[0].upper() + text[1:]


CHANGES = {
    Change.OPENED: N_("opened"),
    Change.ESCALATED: N_("escalated"),
    Change.UPDATED: N_("updated"),
    Change.RESOLVED: N_("resolved"),
    Change.ACKNOWLEDGED: N_("acknowledged"),
    Change.ESCALATED_TO_PR: N_("escalated to PR"),
    Change.CONFIRMED: N_("confirmed"),
    Change.DISMISSED: N_("dismissed"),
}


def change_text(change: Change) -> str:
    return _(CHANGES[change])


def change_note(event: IncidentEvent, who: Callable[[str], str] = "@{}".format) -> str:
    """One line on what just happened to the incident, for threads, notes and timelines."""
    incident = event.incident
    by = {
        Change.ACKNOWLEDGED: incident.acknowledged_by,
        Change.ESCALATED_TO_PR: incident.escalated_by,
        Change.CONFIRMED: incident.verdict_by,
        Change.DISMISSED: incident.verdict_by,
    }.get(event.change)
    someone = _(" by {who}").format(who=who(by)) if by else ""
    match event.change:
        case Change.OPENED:
            return _("Opened: {deviation}.").format(deviation=deviation(incident))
        case Change.ESCALATED:
            return _("Escalated to {severity}: {deviation}.").format(
                severity=severity_text(incident.severity), deviation=deviation(incident)
            )
        case Change.UPDATED:
            return _("Still rising: {deviation}.").format(deviation=deviation(incident))
        case Change.RESOLVED:
            return _("Resolved after {lasted}; {deviation}.").format(
                lasted=incident.lasted(), deviation=deviation(incident)
            )
        case Change.ACKNOWLEDGED:
            return _("Acknowledged{by}.").format(by=someone)
        case Change.ESCALATED_TO_PR:
            return _("Escalated to the PR team{by}.").format(by=someone)
        case Change.CONFIRMED:
            return _("Marked a real crisis{by}.").format(by=someone)
        case Change.DISMISSED:
            return _("Marked not a crisis{by}: the detectors will learn from it.").format(by=someone)
    raise ValueError(f"unknown change {event.change}")


def links(context: IncidentContext) -> dict[str, str]:
    """The incident's links by label, those that are set."""
    found = {_("Dashboard"): context.dashboard_url, _("Runbook"): context.runbook_url}
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
    lines = [incident.headline(), "", capitalised(deviation(incident)) + "."]
    if event.change is not Change.OPENED:
        lines.append(change_note(event))
    progress = state(incident)
    if progress:
        lines.append(progress + ".")
    sections: list[tuple[str, list[str]]] = [
        (_("Emerging terms"), [term_phrase(term) for term in context.emerging_terms[:TOP_TERMS]]),
        (_("Top authors"), [author_phrase(author) for author in context.top_authors[:TOP_AUTHORS]]),
        (
            _("Top posts by reach"),
            [
                f"{post_byline(post)}\n  {clip(' '.join(post.text.split()), post_chars)}"
                + (f"\n  {post.url}" if post.url else "")
                for post in top_posts(incident)
            ],
        ),
    ]
    mixes = [
        _("Languages: {mix}").format(mix=mix(context.languages)) if context.languages else "",
        _("Platforms: {mix}").format(mix=mix(context.platforms)) if context.platforms else "",
        amplification(context),
    ]
    sections.append((_("Mix"), [line for line in mixes if line]))
    sections.append((_("Links"), [f"{label}: {url}" for label, url in links(context).items()]))
    for title, items in sections:
        if items:
            lines += ["", _("{title}:").format(title=title), *(f"- {item}" for item in items)]
    lines += ["", identity(event)]
    return "\n".join(lines)


def identity(event: IncidentEvent, code: Callable[[str], str] = str) -> str:
    """E.g. ``"Incident nuvola/volume · opened · revision 1"``; ``code`` marks the key up."""
    incident = event.incident
    return _("Incident {key} · {change} · revision {revision}").format(
        key=code(incident.dedup_key), change=change_text(event.change), revision=incident.revision
    )


def capitalised(text: str) -> str:
    """The first letter in capitals, the rest untouched (``str.capitalize`` lowers hashtags and brands)."""
    return text[:1].upper() + text[1:]
