"""Delivery: one agent per receiver, delivering its notifications once each and in order."""

from __future__ import annotations

import asyncio
import logging

from alerts.delivery import Receipt
from alerts.dispatch import Outbound
from streams import topics
from streams.config import Settings
from streams.errors import ChannelUnavailable, DeliveryError
from streams.tables import receipts

log = logging.getLogger(__name__)


def install(app, settings: Settings, notifiers: dict, publish) -> None:
    """A channel that is down holds up its own topic only: its agent retries until the channel
    is back (nothing is lost, and the offsets are not committed meanwhile), while the other
    receivers' agents carry on. A notification the channel refuses for good goes to the
    undeliverable topic with the reason."""

    async def refused(outbound: Outbound) -> None:
        await publish(topics.undeliverable, outbound.notification().channel, outbound)

    for receiver, notifier in notifiers.items():

        async def deliver(stream, notifier=notifier):
            async for value in stream:
                outbound = Outbound.model_validate_json(value)
                notification = outbound.notification()
                previous = receipts.get(notification.key)
                if previous is not None and previous.covers(notification) and not outbound.reminder:
                    continue
                receipt = await _deliver_until_done(settings, notifier, notification, previous, outbound, refused)
                if receipt is not None:
                    receipts[notification.key] = receipt

        deliver.__name__ = deliver.__qualname__ = f"deliver_{receiver.replace('-', '_')}"
        app.agent(topics.notifications_for(receiver), name=f"badbuzz.deliver.{receiver}")(deliver)

    @app.on_before_shutdown.connect
    async def close_notifiers(sender, **signal_arguments) -> None:
        for notifier in notifiers.values():
            await notifier.close()


async def _deliver_until_done(settings, notifier, notification, previous, outbound, refused) -> Receipt | None:
    pause = settings.redelivery_seconds
    while True:
        try:
            return await notifier.deliver(notification, previous)
        except DeliveryError as error:
            if not error.retryable:
                log.error("%s refused %s for good: %s", notification.channel, notification.key, error)
                await refused(outbound)
                return None
            asked = error.retry_after if isinstance(error, ChannelUnavailable) else None
            wait = max(pause, asked or 0.0)
            log.warning(
                "%s is unavailable (%s); trying %s again in %.0f s", notification.channel, error, notification.key, wait
            )
            await asyncio.sleep(wait)
            pause = min(pause * 2, settings.max_redelivery_seconds)
