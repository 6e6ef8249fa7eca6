"""One HTTP request to a notification service, its answer sorted into sent, transient or refused.

PagerDuty, Opsgenie and webhook receivers share the same rules: 2xx is delivered;
429, 408 and 5xx, timeouts and dropped connections are transient (retried, the
``Retry-After`` they give honoured); any other answer is a refusal that no retry
will change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import aiohttp

from badbuzz.alerts.notify.delivery import Meter, Observer, RetryPolicy
from badbuzz.vocabulary.errors import ChannelUnavailable, DeliveryRejected

Config = TypeVar("Config")

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: How much of a refusal's body goes into the error: enough to see why.
ERROR_BODY_CHARS = 500


@dataclass(frozen=True)
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class HttpChannel:
    """Sends requests for one receiver, retrying per its policy, on a session opened on first use.

    The session is opened lazily because notifiers are built before the worker's event
    loop runs; one session per channel keeps its connections alive between incidents.
    """

    def __init__(self, meter: Meter, retry: RetryPolicy) -> None:
        self.meter = meter
        self.retry = retry
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.retry.timeout))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes,
        headers: dict[str, str] | None = None,
        sign: Callable[[bytes], dict[str, str]] | None = None,
    ) -> Answer:
        """Send ``body`` until it is taken; ``sign(body)`` adds per-attempt headers (a fresh signature)."""

        async def attempt() -> Answer:
            all_headers = {"Content-Type": "application/json", **(headers or {}), **(sign(body) if sign else {})}
            return await self._once(method, url, body, all_headers)

        return await self.retry.run(attempt, self.meter)

    async def _once(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        where = f"{self.meter.channel}: {method} {url.split('?')[0]}"
        try:
            async with self.session.request(method, url, data=body, headers=headers, allow_redirects=False) as response:
                answer = Answer(response.status, await response.text())
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
        except (TimeoutError, aiohttp.ClientError) as error:
            raise ChannelUnavailable(f"{where}: {error!r}", channel=self.meter.channel) from error
        if 200 <= answer.status < 300:
            return answer
        message = f"{where} answered {answer.status}: {answer.body[:ERROR_BODY_CHARS]}"
        if answer.status in TRANSIENT_STATUSES:
            raise ChannelUnavailable(message, channel=self.meter.channel, retry_after=retry_after)
        raise DeliveryRejected(message, channel=self.meter.channel)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date.

    >>> parse_retry_after("2"), parse_retry_after(None), parse_retry_after("soon")
    (2.0, None, None)
    >>> parse_retry_after("Mon, 02 Mar 2026 14:00:30 GMT", now=datetime(2026, 3, 2, 14, 0, tzinfo=UTC))
    30.0
    """
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpNotifier(Generic[Config]):
    """What the notifiers of HTTP services share: a name, a config, a meter and a channel to send on."""

    def __init__(
        self, name: str, config: Config, *, retry: RetryPolicy | None = None, observe: Observer | None = None
    ) -> None:
        self.name = name
        self.config = config
        self.meter = Meter(name, observe)
        self.http = HttpChannel(self.meter, retry or RetryPolicy())

    async def close(self) -> None:
        await self.http.close()
