"""Incidents on the worker's terminal: what the demo shows, and a fallback with no other channel."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from badbuzz.alerts import facts, i18n
from badbuzz.alerts.i18n import _
from badbuzz.alerts.incidents import Change, Incident, IncidentStatus, value_text
from badbuzz.alerts.notify.delivery import Meter, Notification, Observer, Receipt
from badbuzz.vocabulary.signals import Severity

STYLES = {Severity.INFO: "cyan", Severity.WARNING: "yellow", Severity.CRITICAL: "bold red"}
#: The terminal shows fewer posts than Slack: it is read at a glance, beside the logs.
CONSOLE_POSTS = 3
CONSOLE_TERMS = 5
CONSOLE_AUTHORS = 3


class ConsoleConfig(BaseModel):
    """The worker's terminal (nothing to configure)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ConsoleNotifier:
    name = "console"

    def __init__(self, console: Console | None = None, *, name: str = "console", observe: Observer | None = None):
        self.name = name
        self.console = console or Console(stderr=False)
        self.meter = Meter(name, observe)

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        with self.meter.delivery():
            self.console.print(render(notification.event.change, notification.event.incident))
        return Receipt.of(notification)

    async def close(self) -> None:
        """Nothing to release."""


def render(change: Change, incident: Incident) -> Panel:
    resolved = incident.status is IncidentStatus.RESOLVED
    style = "green" if resolved else STYLES[incident.severity]
    context = incident.context
    facts_text = Text()
    if resolved:
        facts_text.append(
            _("Peak {peak}, {baseline}.").format(
                peak=incident.what_spiked(incident.peak), baseline=incident.baseline_text()
            )
            + "\n"
        )
        facts_text.append(
            _("Lasted {lasted}, from {start} UTC.").format(
                lasted=incident.lasted(), start=f"{incident.opened_at:%H:%M}"
            )
            + "\n"
        )
    else:
        what = _("{what}, {baseline}").format(what=incident.what_spiked(), baseline=incident.baseline_text())
        facts_text.append(f"{facts.capitalised(what)}.\n", style="bold")
        negative = facts.negative_share(incident)
        if negative:
            facts_text.append(f"{negative}.\n", style="bold")
        facts_text.append(
            _("Score {score} · window {start}–{end} UTC · open since {opened} UTC · peak {peak}").format(
                score=i18n.number(incident.current.score, 1),
                start=f"{incident.current.window_start:%H:%M}",
                end=f"{incident.current.window_end:%H:%M}",
                opened=f"{incident.opened_at:%H:%M}",
                peak=value_text(incident.signal, incident.peak.value),
            )
            + "\n"
        )
    lines = [
        (_("Terms"), " · ".join(facts.term_phrase(term) for term in context.emerging_terms[:CONSOLE_TERMS])),
        (_("Authors"), " · ".join(facts.author_phrase(author) for author in context.top_authors[:CONSOLE_AUTHORS])),
        (
            _("Mix"),
            " | ".join(
                part
                for part in (facts.mix(context.languages), facts.mix(context.platforms), facts.amplification(context))
                if part
            ),
        ),
        (_("Links"), " · ".join(f"{label} {url}" for label, url in facts.links(context).items())),
    ]
    for label, value in lines:
        if value:
            facts_text.append(_("{title}:").format(title=label) + " ", style="dim")
            facts_text.append(f"{value}\n")
    progress = facts.state(incident)
    footer = _("Incident {key} · {change}").format(key=incident.dedup_key, change=facts.change_text(change))
    footer += f" · {progress}" if progress else ""
    facts_text.append(footer, style="dim")
    posts = [
        Text.assemble(
            (f"@{post.author}", "bold"),
            " "
            + _("({followers} followers, {platform}):").format(
                followers=i18n.number(post.followers), platform=post.platform
            )
            + " ",
            facts.clip(" ".join(post.text.split()), 160),
        )
        for post in ([] if resolved else facts.top_posts(incident)[:CONSOLE_POSTS])
    ]
    return Panel(Group(facts_text, *posts), title=incident.headline(), border_style=style, title_align="left")
