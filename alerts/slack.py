"""Slack: one message per incident, edited as it changes, with the changes in its thread."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.web.async_client import AsyncWebClient

from alerts.delivery import Notification, Receipt
from alerts.incidents import Change, IncidentEvent, IncidentStatus
from detectors.severity import Severity
from streams.config import Settings
from streams.errors import DeliveryError

ICONS = {Severity.INFO: ":information_source:", Severity.WARNING: ":warning:", Severity.CRITICAL: ":rotating_light:"}
RESOLVED_ICON = ":white_check_mark:"
#: Slack's header text limit.
HEADER_MAX_CHARS = 150


def client_from(settings: Settings) -> AsyncWebClient:
    """An async Web API client that retries rate limits, dropped connections and Slack's 5xx."""
    assert settings.slack_bot_token is not None
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_base_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=3),
        ],
    )


class SlackNotifier:
    """Posts an incident once, then edits that message and replies in its thread."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, channel: str) -> None:
        self.client = client
        self.channel = channel

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        event = notification.event
        text = event.incident.summary()
        blocks = [block.to_dict() for block in incident_blocks(event)]
        try:
            if previous is None or not previous.of_same_incident(notification):
                response = await self.client.chat_postMessage(
                    channel=self.channel, text=text, blocks=blocks, unfurl_links=False
                )
                ref = {"channel": response["channel"], "ts": response["ts"]}
            else:
                ref = previous.ref
                await self.client.chat_update(channel=ref["channel"], ts=ref["ts"], text=text, blocks=blocks)
                await self.client.chat_postMessage(
                    channel=ref["channel"],
                    thread_ts=ref["ts"],
                    text=thread_note(event),
                    # Escalations and resolutions matter to people not following the thread.
                    reply_broadcast=event.change in (Change.ESCALATED, Change.RESOLVED),
                )
        except (TimeoutError, SlackApiError, aiohttp.ClientError) as exc:
            raise DeliveryError(f"Slack refused {event.change} of {event.incident.dedup_key}: {exc}") from exc
        return Receipt(opened_at=event.incident.opened_at, revision=event.incident.revision, ref=ref)


def incident_blocks(event: IncidentEvent) -> list[Block]:
    """The Block Kit message of an incident; slack-sdk's models check Slack's limits."""
    incident = event.incident
    resolved = incident.status is IncidentStatus.RESOLVED
    icon = RESOLVED_ICON if resolved else ICONS[incident.severity]
    header = f"{icon} {incident.headline()}"
    if resolved:
        lead = (
            f"*Peak {incident.what_spiked(incident.peak)}*, {incident.baseline_text()}.\n"
            f"Lasted {incident.lasted()}, from {incident.opened_at:%Y-%m-%d %H:%M} UTC."
        )
    else:
        lead = f"*{incident.what_spiked()}*, {incident.baseline_text()}."
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=header[:HEADER_MAX_CHARS], emoji=True)),
        SectionBlock(
            text=MarkdownTextObject(text=lead),
            fields=[
                MarkdownTextObject(text=f"*Severity*\n{incident.severity}"),
                MarkdownTextObject(text=f"*Score*\n{incident.current.score:.1f}"),
                MarkdownTextObject(text=f"*Open since*\n{incident.opened_at:%H:%M} UTC"),
                MarkdownTextObject(text=f"*Peak*\n{incident.what_spiked(incident.peak)}"),
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Incident `{incident.dedup_key}` · {event.change} · revision {incident.revision} · "
                    f"window {incident.current.window_start:%H:%M}–{incident.current.window_end:%H:%M} UTC"
                )
            ]
        ),
    ]
    if not resolved and incident.context.top_posts:
        blocks.append(DividerBlock())
        for post in incident.context.top_posts:
            link = f" · <{post.url}|open>" if post.url else ""
            quote = escape(post.text).replace("\n", "\n>")
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(
                        text=f"*@{escape(post.author)}* · {post.followers:,} followers · {post.platform}{link}\n"
                        f">{quote}"
                    )
                )
            )
    return blocks


def thread_note(event: IncidentEvent) -> str:
    incident = event.incident
    if event.change is Change.RESOLVED:
        return f"{RESOLVED_ICON} Resolved after {incident.lasted()}; peak {incident.what_spiked(incident.peak)}."
    if event.change is Change.ESCALATED:
        return f"{ICONS[incident.severity]} Escalated to {incident.severity}: {incident.what_spiked()}."
    return f"Still rising: {incident.what_spiked()}, {incident.baseline_text()}."


def escape(text: str) -> str:
    """Slack mrkdwn's three control characters, so user text cannot mention @channel or fake links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
