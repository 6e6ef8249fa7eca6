"""The notification channels a worker delivers to, as configured."""

from __future__ import annotations

from alerts.console import ConsoleNotifier
from alerts.delivery import Notifier
from alerts.slack import SlackNotifier, client_from
from streams.config import Settings


def notifiers_from(settings: Settings) -> dict[str, Notifier]:
    """Every enabled channel by name; Slack needs both a token and a channel."""
    notifiers: dict[str, Notifier] = {}
    if settings.console_alerts:
        notifiers["console"] = ConsoleNotifier()
    if settings.slack_enabled:
        assert settings.slack_channel is not None
        notifiers["slack"] = SlackNotifier(client_from(settings), settings.slack_channel)
    return notifiers
