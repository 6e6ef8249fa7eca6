"""The notification channels a worker delivers to, as configured: one notifier per receiver."""

from __future__ import annotations

from concurrent.futures import Executor

from badbuzz.alerts.notify.delivery import Notifier, Observer
from badbuzz.alerts.notify.receivers import notifier_for
from badbuzz.alerts.notify.slack import Pacer
from badbuzz.streams.config import Settings


def notifiers_from(
    settings: Settings,
    *,
    observe: Observer | None = None,
    executor: Executor | None = None,
) -> dict[str, Notifier]:
    """Every receiver's notifier by receiver name; Slack receivers share one pacer."""
    pacer = Pacer()
    return {
        receiver.name: notifier_for(
            receiver,
            slack_token=settings.slack_bot_token,
            slack_base_url=settings.slack_base_url,
            pacer=pacer,
            observe=observe,
            executor=executor,
            language=settings.language,
        )
        for receiver in settings.enabled_receivers
    }
