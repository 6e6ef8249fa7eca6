"""Posts an incident to Slack once, then edits that message and notes each change in its thread."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

import aiohttp
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError, SlackClientError

from badbuzz.alerts import chart
from badbuzz.alerts.i18n import _
from badbuzz.alerts.incidents import Change, IncidentEvent, noun
from badbuzz.alerts.notify.delivery import Meter, Notification, Observer, Receipt, RetryPolicy
from badbuzz.alerts.notify.slack.blocks import fallback_text, incident_blocks, thread_note
from badbuzz.alerts.notify.slack.client import SLACK_API, TRANSIENT_ERRORS, Pacer, SlackConfig, retry_after, web_client
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryError, DeliveryRejected

log = logging.getLogger(__name__)

#: Changes that matter to people not following the thread: their note also goes to the channel.
BROADCAST = frozenset({Change.ESCALATED, Change.RESOLVED, Change.ESCALATED_TO_PR, Change.CONFIRMED})
#: Changes worth a fresh chart in the thread.
CHARTED = frozenset({Change.OPENED, Change.ESCALATED, Change.RESOLVED})


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
        self.client = web_client(token, base_url=base_url, policy=self.retry, meter=self.meter)

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
