"""Incidents on the worker's terminal: what the demo shows, and a fallback with no Slack."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from alerts.delivery import Notification, Receipt
from alerts.incidents import Change, Incident, IncidentStatus
from detectors.severity import Severity

STYLES = {Severity.INFO: "cyan", Severity.WARNING: "yellow", Severity.CRITICAL: "bold red"}


class ConsoleNotifier:
    name = "console"

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=False)

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        self.console.print(render(notification.event.change, notification.event.incident))
        incident = notification.event.incident
        return Receipt(opened_at=incident.opened_at, revision=incident.revision)


def render(change: Change, incident: Incident) -> Panel:
    resolved = incident.status is IncidentStatus.RESOLVED
    style = "green" if resolved else STYLES[incident.severity]
    facts = Text()
    if resolved:
        facts.append(f"Peak {incident.what_spiked(incident.peak)}, {incident.baseline_text()}.\n")
        facts.append(f"Lasted {incident.lasted()}, from {incident.opened_at:%H:%M} UTC.\n")
    else:
        facts.append(f"{incident.what_spiked()}, {incident.baseline_text()}.\n", style="bold")
        facts.append(
            f"Score {incident.current.score:.1f} · window {incident.current.window_start:%H:%M}–"
            f"{incident.current.window_end:%H:%M} UTC · open since {incident.opened_at:%H:%M} UTC · "
            f"peak {incident.peak.value:,.0f}\n"
        )
    facts.append(f"Incident {incident.dedup_key} · {change}", style="dim")
    posts = [
        Text.assemble(
            (f"@{post.author}", "bold"),
            f" ({post.followers:,} followers, {post.platform}): ",
            post.text.replace("\n", " "),
        )
        for post in ([] if resolved else incident.context.top_posts)
    ]
    return Panel(Group(facts, *posts), title=incident.headline(), border_style=style, title_align="left")
