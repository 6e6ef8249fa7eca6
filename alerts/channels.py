"""The notification channels a worker delivers to, as configured: one notifier per receiver."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor

from alerts.delivery import Notifier, Observer
from alerts.receivers import CONSOLE, Receiver, notifier_for
from alerts.slack import Pacer, SlackConfig
from streams.config import Settings

#: The receiver made of the older single-channel Slack settings (SLACK_BOT_TOKEN and BADBUZZ_SLACK_CHANNEL).
LEGACY_SLACK = "slack"


def receivers_from(settings: Settings, configured: Iterable[Receiver] = ()) -> tuple[Receiver, ...]:
    """The built-in console (unless turned off), the legacy Slack channel if set, then the configured receivers."""
    receivers: list[Receiver] = []
    if settings.console_alerts:
        receivers.append(CONSOLE)
    if settings.slack_enabled:
        assert settings.slack_channel is not None
        receivers.append(Receiver(name=LEGACY_SLACK, slack=SlackConfig(channel=settings.slack_channel)))
    receivers += configured
    names = [receiver.name for receiver in receivers]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"receiver names must be unique: {', '.join(duplicates)} given twice")
    return tuple(receivers)


def notifiers_from(
    settings: Settings,
    configured: Iterable[Receiver] = (),
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
        )
        for receiver in receivers_from(settings, configured)
    }
