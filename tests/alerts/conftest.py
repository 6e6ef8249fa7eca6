"""Fakes the notifier tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.server import running
from tests.fakes.webhook_receiver import FakeWebhookReceiver


@pytest.fixture
def receiver() -> Iterator[FakeWebhookReceiver]:
    """A webhook receiver over real HTTP, verifying signatures with the standardwebhooks library."""
    with running(FakeWebhookReceiver()) as fake:
        yield fake
