"""Delivery: one agent per receiver, delivering its notifications once each and in order."""

from __future__ import annotations

from functools import partial

from badbuzz.alerts.notify.delivery import Receipt
from badbuzz.alerts.policy.dispatch import Outbound
from badbuzz.streams.config import Settings
from badbuzz.streams.state import StateTable
from badbuzz.streams.topics import Topics, publish


def install(app, settings: Settings, topics: Topics, receipts: StateTable[Receipt], notifiers: dict) -> None:
    """A channel that is down holds up its own topic only: its agent retries until the channel
    is back (nothing is lost, and the offsets are not committed meanwhile), while the other
    receivers' agents carry on. A notification the channel refuses for good goes to the
    undeliverable topic with the reason."""

    redelivery = settings.redelivery

    for receiver, notifier in notifiers.items():

        async def deliver(stream, notifier=notifier):
            async for value in stream:
                outbound = Outbound.model_validate_json(value)
                notification = outbound.notification()
                previous = receipts.get(notification.key)
                if previous is not None and previous.covers(notification) and not outbound.reminder:
                    continue
                refused = partial(publish, topics.undeliverable, notification.channel, outbound)
                receipt = await redelivery.deliver(notifier, notification, previous, refused=refused)
                if receipt is not None:
                    receipts[notification.key] = receipt

        deliver.__name__ = deliver.__qualname__ = f"deliver_{receiver.replace('-', '_')}"
        app.agent(topics.notifications_for(receiver), name=f"badbuzz.deliver.{receiver}")(deliver)

    @app.on_before_shutdown.connect
    async def close_notifiers(sender, **signal_arguments) -> None:
        for notifier in notifiers.values():
            await notifier.close()
