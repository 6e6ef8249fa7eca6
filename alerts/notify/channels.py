"""The notification channels a worker delivers to, as configured: one notifier per receiver."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor

from pydantic import SecretStr

from badbuzz.alerts.i18n import Language
from badbuzz.alerts.notify.delivery import Notifier, Observer
from badbuzz.alerts.notify.receivers import Receiver, notifier_for
from badbuzz.alerts.notify.slack.client import SLACK_API, Pacer


def notifiers_from(
    receivers: Iterable[Receiver],
    *,
    slack_token: SecretStr | None = None,
    slack_base_url: str = SLACK_API,
    language: Language = Language.ENGLISH,
    observe: Observer | None = None,
    executor: Executor | None = None,
) -> dict[str, Notifier]:
    """Every receiver's notifier by receiver name; Slack receivers share one pacer and the bot ``slack_token``.

    ``language`` is what receivers that name none of their own speak.
    """
    pacer = Pacer()
    return {
        receiver.name: notifier_for(
            receiver,
            slack_token=slack_token,
            slack_base_url=slack_base_url,
            pacer=pacer,
            observe=observe,
            executor=executor,
            language=language,
        )
        for receiver in receivers
    }
