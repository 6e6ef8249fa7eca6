"""What the notifiers share: the notification they receive, the receipt they leave, how they and the agent retry."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from badbuzz.alerts.incidents import IncidentEvent
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryError

T = TypeVar("T")
log = logging.getLogger(__name__)


class Notification(BaseModel):
    """One incident change for one channel (a receiver, by name)."""

    model_config = ConfigDict(frozen=True)

    channel: str
    event: IncidentEvent

    @property
    def key(self) -> str:
        """Per channel and incident: a channel's deliveries of one incident stay in order."""
        return f"{self.channel}|{self.event.incident.dedup_key}"


class Receipt(BaseModel):
    """What a channel last delivered of an incident, and where (e.g. a Slack message)."""

    model_config = ConfigDict(frozen=True)

    opened_at: datetime
    revision: int
    ref: dict[str, str] = {}

    @classmethod
    def of(cls, notification: Notification, ref: dict[str, str] | None = None) -> Receipt:
        incident = notification.event.incident
        return cls(opened_at=incident.opened_at, revision=incident.revision, ref=ref or {})

    def covers(self, notification: Notification) -> bool:
        """Whether this change was delivered already (a redelivery after a worker restart)."""
        incident = notification.event.incident
        return self.opened_at == incident.opened_at and self.revision >= incident.revision

    def of_same_incident(self, notification: Notification) -> bool:
        return self.opened_at == notification.event.incident.opened_at


class Notifier(Protocol):
    """A channel: delivers a notification, given the receipt of the incident's previous one.

    ``deliver`` raises :class:`~badbuzz.vocabulary.errors.ChannelUnavailable` when the channel is
    down after the notifier's own retries (keep the notification, try later) and
    :class:`~badbuzz.vocabulary.errors.DeliveryRejected` when it never will take it (dead-letter it).
    """

    name: str

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt: ...

    async def close(self) -> None:
        """Release what the notifier holds (HTTP sessions) at the worker's shutdown."""
        ...


class Outcome(StrEnum):
    """What became of one delivery, or one attempt of it (a bounded set: safe as a metric label)."""

    SENT = "sent"
    RETRIED = "retried"
    FAILED = "failed"


#: Told the channel (receiver name) and outcome of every delivery and retry, e.g. to count them.
Observer = Callable[[str, Outcome], None]


@dataclass(frozen=True)
class Meter:
    """Reports a notifier's deliveries and retries to an optional observer."""

    channel: str
    observe: Observer | None = None

    def count(self, outcome: Outcome) -> None:
        if self.observe is not None:
            self.observe(self.channel, outcome)

    @contextmanager
    def delivery(self) -> Iterator[None]:
        try:
            yield
        except DeliveryError:
            self.count(Outcome.FAILED)
            raise
        self.count(Outcome.SENT)


class RetryPolicy(BaseModel):
    """How hard a notifier tries before handing a transient failure back to the delivery agent.

    The agent keeps what a notifier gives up on and retries it later, so a few quick
    attempts here are enough: a long wait would hold up the channel's other deliveries.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    attempts: int = Field(4, ge=1, description="Tries of one request, the first included.")
    backoff: float = Field(0.5, ge=0, description="Seconds before the first retry; doubles at each retry.")
    max_backoff: float = Field(10.0, ge=0, description="Longest wait between two tries.")
    max_retry_after: float = Field(
        30.0, ge=0, description="Longest Retry-After honoured here; a longer one is left to the delivery agent."
    )
    timeout: float = Field(10.0, gt=0, description="Seconds one request may take.")

    def delay(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds before retry number ``retry`` (0-based), or ``None`` to give up now.

        >>> RetryPolicy(backoff=1.0).delay(0, retry_after=3.0)
        3.0
        >>> RetryPolicy(max_retry_after=30).delay(0, retry_after=120.0) is None
        True
        >>> 0.5 <= RetryPolicy(backoff=1.0).delay(1, retry_after=None) <= 2.0
        True
        """
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        # Equal jitter: workers that failed together do not all come back together.
        ceiling = min(self.max_backoff, self.backoff * 2**retry)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def run(self, attempt: Callable[[], Awaitable[T]], meter: Meter) -> T:
        """``attempt()`` until it succeeds, raises anything but :class:`ChannelUnavailable`, or tries run out."""
        for retry in range(self.attempts):
            try:
                return await attempt()
            except ChannelUnavailable as error:
                delay = self.delay(retry, error.retry_after) if retry + 1 < self.attempts else None
                if delay is None:
                    raise
            meter.count(Outcome.RETRIED)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")


class Redelivery(BaseModel):
    """How the delivery agent keeps a notification until its channel takes it.

    A notifier gives up after its own few quick tries (:class:`RetryPolicy`) and raises
    :class:`ChannelUnavailable`; the agent then holds the notification (and its channel's
    topic behind it) and tries again. The held notification is the probe: the only request
    sure to tell whether the channel takes it now. The waits double from ``first_wait`` to
    ``max_wait`` and no further, so a channel that comes back after an outage of any length
    is used again within ``max_wait`` plus one try, while a channel that asks for a pause
    (``Retry-After``) gets it.

    >>> policy = Redelivery(first_wait=1.0, max_wait=5.0)
    >>> [policy.wait(retry, retry_after=None) for retry in range(5)]
    [1.0, 2.0, 4.0, 5.0, 5.0]
    >>> policy.wait(0, retry_after=30.0)
    30.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_wait: float = Field(1.0, gt=0, description="Seconds before the first retry of a channel that is down.")
    max_wait: float = Field(5.0, gt=0, description="Longest wait between two tries, unless the channel asks more.")
    max_retry_after: float = Field(
        600.0, gt=0, description="Longest Retry-After honoured: a channel asking a day must not hold alerts a day."
    )

    def wait(self, retry: int, retry_after: float | None) -> float:
        """Seconds before try number ``retry + 2`` (``retry`` is 0-based)."""
        backoff = min(self.max_wait, self.first_wait * 2 ** min(retry, 64))
        return max(backoff, min(retry_after or 0.0, self.max_retry_after))

    async def deliver(
        self,
        notifier: Notifier,
        notification: Notification,
        previous: Receipt | None,
        *,
        refused: Callable[[], Awaitable[None]],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> Receipt | None:
        """The receipt once the channel took ``notification``; ``None`` after ``refused()`` if it never will."""
        retry = 0
        while True:
            try:
                return await notifier.deliver(notification, previous)
            except DeliveryError as error:
                if not error.retryable:
                    log.error("%s refused %s for good: %s", notification.channel, notification.key, error)
                    await refused()
                    return None
                asked = error.retry_after if isinstance(error, ChannelUnavailable) else None
                wait = self.wait(retry, asked)
                log.warning(
                    "%s is unavailable (%s); trying %s again in %.1f s",
                    notification.channel,
                    error,
                    notification.key,
                    wait,
                )
                await sleep(wait)
                retry += 1
