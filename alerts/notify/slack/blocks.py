"""The incident's Slack message in Block Kit: header, lead, evidence, buttons, footer, thread notes."""

from __future__ import annotations

import re
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from badbuzz.alerts import facts, i18n
from badbuzz.alerts.actions import ACTIONS_BLOCK_ID
from badbuzz.alerts.i18n import _
from badbuzz.alerts.incidents import Action, Change, Incident, IncidentEvent, IncidentStatus, severity_text
from badbuzz.vocabulary.signals import Severity

ICONS = {Severity.INFO: ":information_source:", Severity.WARNING: ":warning:", Severity.CRITICAL: ":rotating_light:"}
RESOLVED_ICON = ":white_check_mark:"
NOTE_ICONS = {
    Change.ESCALATED: ":arrow_double_up:",
    Change.UPDATED: ":chart_with_upwards_trend:",
    Change.RESOLVED: RESOLVED_ICON,
    Change.ACKNOWLEDGED: ":eyes:",
    Change.ESCALATED_TO_PR: ":mega:",
    Change.CONFIRMED: ":fire:",
    Change.DISMISSED: ":no_entry_sign:",
}
#: Slack's limits (slack-sdk's models check them too; these keep us well inside).
HEADER_MAX_CHARS = 150
SECTION_MAX_CHARS = 3000
FIELD_MAX_CHARS = 2000
TEXT_MAX_CHARS = 40_000
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def fallback_text(event: IncidentEvent) -> str:
    """The plain ``text`` of the message: notifications, screen readers, clients without blocks."""
    incident = event.incident
    text = _("{headline}: {deviation}.").format(headline=incident.headline(), deviation=facts.deviation(incident))
    progress = facts.state(incident, who=slack_user)
    if progress:
        text += f" {progress}."
    return facts.clip(text, TEXT_MAX_CHARS)


def incident_blocks(event: IncidentEvent) -> list[Block]:
    """The Block Kit message of an incident; slack-sdk's models check Slack's limits when serialised."""
    incident = event.incident
    blocks: list[Block] = [header(incident), lead(incident)]
    progress = facts.state(incident, who=slack_user)
    if progress:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=progress)]))
    buttons = action_buttons(incident)
    if buttons:
        blocks.append(ActionsBlock(block_id=ACTIONS_BLOCK_ID, elements=buttons))
    blocks += evidence(incident)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer(event))]))
    return blocks


def header(incident: Incident) -> HeaderBlock:
    resolved = incident.status is IncidentStatus.RESOLVED
    icon = RESOLVED_ICON if resolved else ICONS[incident.severity]
    return HeaderBlock(text=PlainTextObject(text=facts.clip(f"{icon} {incident.headline()}", HEADER_MAX_CHARS)))


def lead(incident: Incident) -> SectionBlock:
    """What deviates and by how much, then the key numbers as fields."""
    if incident.status is IncidentStatus.RESOLVED:
        text = "*{}* {}".format(
            _("Back to normal after {lasted}.").format(lasted=incident.lasted()),
            _("Peak {peak}, {baseline}.").format(
                peak=incident.what_spiked(incident.peak), baseline=incident.baseline_text()
            ),
        )
        when = "*{}*\n{}".format(
            _("Lasted"),
            _("{lasted} from {start}").format(lasted=incident.lasted(), start=slack_date(incident.opened_at)),
        )
    else:
        ratio = facts.ratio(incident)
        text = f"*{incident.what_spiked()}*{f' ({ratio})' if ratio else ''}, {incident.baseline_text()}."
        when = field(_("Open since"), slack_date(incident.opened_at))
    negative = facts.negative_share(incident)
    if negative:
        text += f"\n{negative}."
    return SectionBlock(
        text=MarkdownTextObject(text=text),
        fields=[
            MarkdownTextObject(text=field(_("Severity"), severity_text(incident.severity))),
            MarkdownTextObject(text=field(_("Score"), i18n.number(incident.current.score, 1))),
            MarkdownTextObject(text=when),
            MarkdownTextObject(text=field(_("Peak"), incident.what_spiked(incident.peak))),
        ],
    )


def action_buttons(incident: Incident) -> list[ButtonElement]:
    """The buttons that still mean something: ``action_id`` is the action, ``value`` names the incident.

    The value is what ``/slack/actions`` parses (:attr:`~badbuzz.alerts.incidents.Incident.ref`):
    the dedup key and the opening time, so an old message's button cannot act on a newer incident.
    """
    value = incident.ref
    buttons = []
    if incident.status is IncidentStatus.OPEN and not incident.acknowledged_by:
        buttons.append(ButtonElement(text=_("Acknowledge"), action_id=Action.ACKNOWLEDGE, value=value, style="primary"))
    if incident.status is IncidentStatus.OPEN and not incident.escalated_by:
        buttons.append(
            ButtonElement(
                text=_("Escalate to PR"),
                action_id=Action.ESCALATE,
                value=value,
                confirm=ConfirmObject(
                    title=_("Escalate to PR?"),
                    text=facts.clip(_("This pulls the PR team in on {brand}.").format(brand=incident.brand), 300),
                    confirm=_("Escalate"),
                    deny=_("Cancel"),
                ),
            )
        )
    if incident.verdict is None:
        buttons.append(
            ButtonElement(
                text=_("Not a crisis"),
                action_id=Action.FALSE_POSITIVE,
                value=value,
                confirm=ConfirmObject(
                    title=_("Not a crisis?"),
                    text=facts.clip(
                        _("This closes the incident on {brand} and teaches the watch it was a false alarm.").format(
                            brand=incident.brand
                        ),
                        300,
                    ),
                    confirm=_("Not a crisis"),
                    deny=_("Cancel"),
                ),
            )
        )
        buttons.append(ButtonElement(text=_("Real crisis"), action_id=Action.REAL_CRISIS, value=value, style="danger"))
    return buttons


def evidence(incident: Incident) -> list[Block]:
    """What drives the rise: terms, mix, authors, then the top posts."""
    context = incident.context
    fields = []
    if context.emerging_terms:
        terms = "\n".join(
            facts.term_phrase(term.model_copy(update={"term": f"`{facts.clip(term.term.replace('`', ''), 40)}`"}))
            for term in context.emerging_terms[: facts.TOP_TERMS]
        )
        fields.append(field(_("Emerging terms"), escape(terms)))
    if context.volume:
        fields.append(field(_("Amplification"), facts.amplification(context)))
    if context.languages:
        fields.append(field(_("Languages"), escape(facts.mix(context.languages))))
    if context.platforms:
        fields.append(field(_("Platforms"), escape(facts.mix(context.platforms))))
    if context.top_authors:
        authors = "\n".join(
            "• " + escape(facts.author_phrase(author.model_copy(update={"handle": facts.clip(author.handle, 40)})))
            for author in context.top_authors[: facts.TOP_AUTHORS]
        )
        fields.append(field(_("Top authors"), authors))
    blocks: list[Block] = []
    if fields:
        blocks.append(
            SectionBlock(fields=[MarkdownTextObject(text=facts.clip(field, FIELD_MAX_CHARS)) for field in fields])
        )
    posts = facts.top_posts(incident)
    if posts:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*" + _("Top posts by reach") + "*"))]
        for post in posts:
            link = " · <{}|{}>".format(escape(post.url), _("open")) if post.url else ""
            quote = escape(facts.clip(post.text, 400)).replace("\n", "\n>")
            text = f"*{escape(facts.post_byline(post))}*{link}\n>{quote}"
            blocks.append(SectionBlock(text=MarkdownTextObject(text=facts.clip(text, SECTION_MAX_CHARS))))
    return blocks


def field(title: str, value: str) -> str:
    """A Block Kit field: its title in bold, its value below."""
    return f"*{title}*\n{value}"


def footer(event: IncidentEvent) -> str:
    incident = event.incident
    links = [f"<{escape(url)}|{label}>" for label, url in facts.links(incident.context).items()]
    ident = _("{identity} · window {start}–{end} UTC").format(
        identity=facts.identity(event, code="`{}`".format),
        start=f"{incident.current.window_start:%H:%M}",
        end=f"{incident.current.window_end:%H:%M}",
    )
    return " · ".join([*links, escape(ident)])


def thread_note(event: IncidentEvent) -> str:
    icon = ICONS[event.incident.severity] if event.change is Change.ESCALATED else NOTE_ICONS.get(event.change, "")
    return f"{icon} {facts.change_note(event, who=slack_user)}".strip()


def slack_user(name: str) -> str:
    """A Slack user id as a mention Slack renders with the person's name; anything else as plain escaped text."""
    return f"<@{name}>" if SLACK_USER_ID.fullmatch(name) else f"@{escape(name)}"


def slack_date(moment: datetime) -> str:
    """A time each reader sees in their own time zone, with a UTC fallback."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def escape(text: str) -> str:
    """Slack mrkdwn's three control characters, so user text cannot mention @channel or fake links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
