"""The delivery agent's redelivery: a channel that is down is tried again at capped waits, over real HTTP."""

from __future__ import annotations

import asyncio
import time

import pytest

from badbuzz.alerts.notify.delivery import Redelivery, RetryPolicy
from badbuzz.alerts.notify.webhook import WebhookConfig, WebhookNotifier
from tests.alerts.factories import notification
from tests.fakes.server import Failure
from tests.fakes.webhook_receiver import SECRET

#: The notifier's own quick tries, kept short so that the agent's waits are what is measured.
FAST = RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.02, timeout=0.5)


@pytest.fixture
async def notifier(receiver) -> WebhookNotifier:
    notifier = WebhookNotifier("itsm", WebhookConfig(url=receiver.url, secret=SECRET), retry=FAST)
    yield notifier
    await notifier.close()


def test_waits_double_up_to_the_cap_and_retry_after_is_honoured_up_to_its_own_cap():
    policy = Redelivery(first_wait=0.5, max_wait=4.0, max_retry_after=60.0)
    assert [policy.wait(retry, None) for retry in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert policy.wait(10_000, None) == 4.0, "no overflow after days of outage"
    assert policy.wait(0, retry_after=20.0) == 20.0
    assert policy.wait(5, retry_after=1.0) == 4.0, "a short Retry-After does not shorten the backoff"
    assert policy.wait(0, retry_after=86_400.0) == 60.0


async def test_a_channel_back_after_a_long_outage_is_used_again_within_the_cap(notifier, receiver):
    policy = Redelivery(first_wait=0.05, max_wait=0.4)
    receiver.down = Failure(503, body="maintenance")
    loop = asyncio.get_running_loop()
    back_at: list[float] = []

    def recover() -> None:
        receiver.down = None
        back_at.append(time.monotonic())

    # Long enough for an uncapped doubling (0.05 … 3.2 s) to overshoot the recovery by seconds.
    loop.call_later(3.0, recover)
    refused: list[str] = []

    async def on_refused() -> None:
        refused.append("refused")

    receipt = await policy.deliver(notifier, notification(), None, refused=on_refused)

    delivered = [r for r in receiver.requests if not r.failed]
    assert receipt is not None and refused == [] and len(receiver.received) == 1
    delay = delivered[0].at - back_at[0]
    assert delay >= 0
    print(f"delivered {delay:.2f} s after the channel came back (cap 0.4 s)")
    failed = [r for r in receiver.requests if r.failed]
    assert len(failed) >= 3 * FAST.attempts, "the channel was probed while down"


async def test_retry_after_is_waited_before_the_next_try(notifier, receiver):
    receiver.fail_next(*[Failure(429, headers={"Retry-After": "1"}, body="slow down")] * FAST.attempts)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def on_refused() -> None:
        raise AssertionError("a throttled channel is not a refusal")

    # The notifier waits a 1 s Retry-After itself once, then hands the second one to the agent.
    receipt = await Redelivery(first_wait=0.1, max_wait=0.2).deliver(
        notifier, notification(), None, refused=on_refused, sleep=sleep
    )
    assert receipt is not None
    assert waits == [1.0]


async def test_a_refusal_for_good_is_handed_over_once_and_not_retried(receiver):
    notifier = WebhookNotifier("itsm", WebhookConfig(url=receiver.url, secret="whsec_" + "A" * 32), retry=FAST)
    refused: list[str] = []

    async def on_refused() -> None:
        refused.append("refused")

    assert await Redelivery().deliver(notifier, notification(), None, refused=on_refused) is None
    await notifier.close()
    assert refused == ["refused"] and len(receiver.requests) == 1
