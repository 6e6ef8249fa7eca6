"""Slack: one message per incident, edited as it changes, with the changes and charts in its thread."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from concurrent.futures import Executor
from datetime import datetime

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
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
from slack_sdk.web.async_client import AsyncWebClient

from badbuzz.alerts import chart, facts, i18n
from badbuzz.alerts.actions import ACTIONS_BLOCK_ID
from badbuzz.alerts.i18n import _
from badbuzz.alerts.incidents import Action, Change, Incident, IncidentEvent, IncidentStatus, noun, severity_text
from badbuzz.alerts.notify.delivery import Meter, Notification, Observer, Outcome, Receipt, RetryPolicy
from badbuzz.alerts.notify.http import parse_retry_after
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryError, DeliveryRejected
from badbuzz.vocabulary.signals import Severity

log = logging.getLogger(__name__)

SLACK_API = "https://slack.com/api/"
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
#: Changes that matter to people not following the thread: their note also goes to the channel.
BROADCAST = frozenset({Change.ESCALATED, Change.RESOLVED, Change.ESCALATED_TO_PR, Change.CONFIRMED})
#: Changes worth a fresh chart in the thread.
CHARTED = frozenset({Change.OPENED, Change.ESCALATED, Change.RESOLVED})
#: Slack's limits (slack-sdk's models check them too; these keep us well inside).
HEADER_MAX_CHARS = 150
SECTION_MAX_CHARS = 3000
FIELD_MAX_CHARS = 2000
TEXT_MAX_CHARS = 40_000
#: Slack error codes that say "try again later" rather than "this will never work".
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
#: Slack asks for no more than about one message per second per channel.
MESSAGES_PER_SECOND = 1.0


class SlackConfig(BaseModel):
    """A Slack channel; the bot token is the worker's (``SLACK_BOT_TOKEN``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str = Field(description="Channel id (C…) or name (#brand-crisis); the bot must be a member.")
    charts: bool = Field(True, description="Post a chart of the signal in the incident's thread (needs files:write).")


class Pacer:
    """Spaces the messages posted to each channel by ``interval`` seconds, waiting without blocking the loop.

    Each caller reserves the next free slot of its channel, so concurrent deliveries to
    one channel queue up while other channels go on at once.
    """

    def __init__(self, interval: float = 1 / MESSAGES_PER_SECOND) -> None:
        self.interval = interval
        self._next_slot: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        now = time.monotonic()
        slot = max(now, self._next_slot.get(channel, now))
        self._next_slot[channel] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SlackNotifier:
    """Posts an incident once, then edits that message and notes each change in its thread.

    The receipt holds the message's channel and ``ts``: a redelivered change edits the
    same message again instead of posting another. Rate limits (honouring
    ``Retry-After``), dropped connections and Slack's 5xx are retried by slack-sdk's
    retry handlers, per ``retry``.
    """

    def __init__(
        self,
        name: str,
        config: SlackConfig,
        *,
        token: SecretStr,
        base_url: str = SLACK_API,
        retry: RetryPolicy | None = None,
        observe: Observer | None = None,
        pacer: Pacer | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.retry = retry or RetryPolicy()
        self.meter = Meter(name, observe)
        self.pacer = pacer or Pacer()
        self.executor = executor
        self.client = AsyncWebClient(
            token=token.get_secret_value(),
            base_url=base_url,
            timeout=self.retry.timeout,
            retry_handlers=retry_handlers(self.retry, self.meter),
        )

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        event = notification.event
        with self.meter.delivery():
            try:
                if previous is None or not previous.of_same_incident(notification):
                    ref = await self._post(event)
                else:
                    ref = await self._revise(previous.ref, event)
            except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
                raise self._failure(event, error) from error
        return Receipt.of(notification, ref)

    async def close(self) -> None:
        """Nothing held: slack-sdk's client opens a session per request."""

    async def _post(self, event: IncidentEvent) -> dict[str, str]:
        await self.pacer.wait(self.config.channel)
        response = await self.client.chat_postMessage(
            channel=self.config.channel,
            text=fallback_text(event),
            blocks=[block.to_dict() for block in incident_blocks(event)],
            unfurl_links=False,
            unfurl_media=False,
        )
        ref = {"channel": response["channel"], "ts": response["ts"]}
        await self._share_chart(event, ref)
        return ref

    async def _revise(self, ref: dict[str, str], event: IncidentEvent) -> dict[str, str]:
        try:
            await self.client.chat_update(
                channel=ref["channel"],
                ts=ref["ts"],
                text=fallback_text(event),
                blocks=[block.to_dict() for block in incident_blocks(event)],
            )
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise
            # Someone deleted the incident's message: start a new one rather than lose the incident.
            return await self._post(event)
        await self.pacer.wait(self.config.channel)
        await self.client.chat_postMessage(
            channel=ref["channel"],
            thread_ts=ref["ts"],
            text=thread_note(event),
            reply_broadcast=event.change in BROADCAST,
            unfurl_links=False,
        )
        if event.change in CHARTED:
            await self._share_chart(event, ref)
        return ref

    async def _share_chart(self, event: IncidentEvent, ref: dict[str, str]) -> None:
        """Upload the chart into the thread; a chart that fails does not fail the delivery it illustrates."""
        if not self.config.charts:
            return
        incident = event.incident
        png = await chart.chart_png(incident, self.executor)
        if png is None:
            return
        await self.pacer.wait(self.config.channel)
        try:
            await self.client.files_upload_v2(
                channel=ref["channel"],
                thread_ts=ref["ts"],
                file=png,
                filename=f"{incident.brand}-{incident.signal}-{incident.current.window_end:%Y%m%d-%H%M}.png",
                title=_("{brand} {noun}, last {n} windows").format(
                    brand=incident.brand, noun=noun(incident.signal), n=len(incident.context.history)
                ),
                alt_txt=chart.alt_text(incident),
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("%s: chart of %s not shared: %s", self.name, incident.dedup_key, error)

    def _failure(self, event: IncidentEvent, error: Exception) -> DeliveryError:
        message = f"{self.name}: Slack did not take {event.change} of {event.incident.dedup_key}: {error}"
        if isinstance(error, SlackApiError):
            status = error.response.status_code
            code = error.response.get("error")
            if status == 429 or status >= 500 or code in TRANSIENT_ERRORS:
                return ChannelUnavailable(message, channel=self.name, retry_after=retry_after(error.response.headers))
            return DeliveryRejected(message, channel=self.name)
        return ChannelUnavailable(message, channel=self.name)


def retry_handlers(policy: RetryPolicy, meter: Meter) -> list[AsyncRetryHandler]:
    """slack-sdk's retry handlers, tuned to ``policy`` and counting their retries on ``meter``."""
    retries = policy.attempts - 1
    interval = _PolicyInterval(policy)
    return [
        _CountedConnectionRetry(meter, retries, interval),
        _BoundedRateLimitRetry(meter, policy, retries),
        _CountedServerErrorRetry(meter, retries, interval),
    ]


class _PolicyInterval(RetryIntervalCalculator):
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return self.policy.delay(current_attempt, retry_after=None) or 0.0


class _Counted:
    """Counts each retry a slack-sdk handler decides on."""

    def __init__(self, meter: Meter, max_retry_count: int, interval_calculator: RetryIntervalCalculator) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=interval_calculator)
        self.meter = meter

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.meter.count(Outcome.RETRIED)
        await super().prepare_for_next_attempt_async(state=state, request=request, response=response, error=error)


class _CountedConnectionRetry(_Counted, AsyncConnectionErrorRetryHandler):
    pass


class _CountedServerErrorRetry(_Counted, AsyncServerErrorRetryHandler):
    pass


class _BoundedRateLimitRetry(_Counted, AsyncRateLimitErrorRetryHandler):
    """Waits what Slack's ``Retry-After`` asks, unless it is longer than the policy allows here.

    A longer wait is left to the delivery agent (the error carries ``retry_after``), so
    one rate-limited channel does not hold a delivery for minutes.
    """

    def __init__(self, meter: Meter, policy: RetryPolicy, max_retry_count: int) -> None:
        super().__init__(meter, max_retry_count, _PolicyInterval(policy))
        self.policy = policy

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is None or wait <= self.policy.max_retry_after

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.meter.count(Outcome.RETRIED)
        state.next_attempt_requested = True
        wait = retry_after(response.headers) if response is not None else None
        await asyncio.sleep(self.policy.delay(state.current_attempt, wait) or 0.0)
        state.increment_current_attempt()


def retry_after(headers: dict) -> float | None:
    """Slack's ``Retry-After``, from slack-sdk's headers (lists of values, any case) or aiohttp's."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return parse_retry_after(value[0] if isinstance(value, list) else value)
    return None


# The message


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
