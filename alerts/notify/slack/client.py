"""Slack's Web API as badbuzz calls it: a channel's settings, pacing, and slack-sdk's retries tuned to our policy."""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from badbuzz.alerts.notify.delivery import Meter, Outcome, RetryPolicy
from badbuzz.alerts.notify.http import parse_retry_after

SLACK_API = "https://slack.com/api/"
#: Slack error codes that say "try again later" rather than "this will never work".
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)
#: Slack asks for no more than about one message per second per channel.
MESSAGES_PER_SECOND = 1.0


class SlackConfig(BaseModel):
    """A Slack channel; the bot token is the worker's (``SLACK_BOT_TOKEN``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str = Field(description="Channel id (C…) or name (#brand-crisis); the bot must be a member.")
    charts: bool = Field(True, description="Post a chart of the signal in the incident's thread (needs files:write).")


class Pacer:
    """Spaces the messages posted to each channel by ``interval`` seconds, waiting without blocking the loop.

    Each caller reserves the next free slot of its channel, so concurrent deliveries to
    one channel queue up while other channels go on at once.
    """

    def __init__(self, interval: float = 1 / MESSAGES_PER_SECOND) -> None:
        self.interval = interval
        self._next_slot: dict[str, float] = {}

    async def wait(self, channel: str) -> None:
        now = time.monotonic()
        slot = max(now, self._next_slot.get(channel, now))
        self._next_slot[channel] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


def web_client(token: SecretStr, *, base_url: str, policy: RetryPolicy, meter: Meter) -> AsyncWebClient:
    """slack-sdk's async client, retrying per ``policy`` and counting its retries on ``meter``."""
    return AsyncWebClient(
        token=token.get_secret_value(),
        base_url=base_url,
        timeout=policy.timeout,
        retry_handlers=retry_handlers(policy, meter),
    )


def retry_handlers(policy: RetryPolicy, meter: Meter) -> list[AsyncRetryHandler]:
    """slack-sdk's retry handlers, tuned to ``policy`` and counting their retries on ``meter``."""
    retries = policy.attempts - 1
    interval = _PolicyInterval(policy)
    return [
        _CountedConnectionRetry(meter, retries, interval),
        _BoundedRateLimitRetry(meter, policy, retries),
        _CountedServerErrorRetry(meter, retries, interval),
    ]


class _PolicyInterval(RetryIntervalCalculator):
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return self.policy.delay(current_attempt, retry_after=None) or 0.0


class _Counted:
    """Counts each retry a slack-sdk handler decides on."""

    def __init__(self, meter: Meter, max_retry_count: int, interval_calculator: RetryIntervalCalculator) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=interval_calculator)
        self.meter = meter

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.meter.count(Outcome.RETRIED)
        await super().prepare_for_next_attempt_async(state=state, request=request, response=response, error=error)


class _CountedConnectionRetry(_Counted, AsyncConnectionErrorRetryHandler):
    pass


class _CountedServerErrorRetry(_Counted, AsyncServerErrorRetryHandler):
    pass


class _BoundedRateLimitRetry(_Counted, AsyncRateLimitErrorRetryHandler):
    """Waits what Slack's ``Retry-After`` asks, unless it is longer than the policy allows here.

    A longer wait is left to the delivery agent (the error carries ``retry_after``), so
    one rate-limited channel does not hold a delivery for minutes.
    """

    def __init__(self, meter: Meter, policy: RetryPolicy, max_retry_count: int) -> None:
        super().__init__(meter, max_retry_count, _PolicyInterval(policy))
        self.policy = policy

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is None or wait <= self.policy.max_retry_after

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.meter.count(Outcome.RETRIED)
        state.next_attempt_requested = True
        wait = retry_after(response.headers) if response is not None else None
        await asyncio.sleep(self.policy.delay(state.current_attempt, wait) or 0.0)
        state.increment_current_attempt()


def retry_after(headers: dict) -> float | None:
    """Slack's ``Retry-After``, from slack-sdk's headers (lists of values, any case) or aiohttp's."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return parse_retry_after(value[0] if isinstance(value, list) else value)
    return None
