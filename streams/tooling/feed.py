"""Putting mentions on the raw topic: from the simulator, or replayed from a JSONL file."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from kafka import KafkaProducer

from badbuzz.streams.tooling.simulator import MentionSimulator, utc_now
from badbuzz.vocabulary.records import Mention


class MentionProducer:
    """A Kafka producer of raw mention bytes, keyed by brand when the brand can be read."""

    def __init__(self, bootstrap_servers: list[str], topic: str) -> None:
        self.topic = topic
        self._producer = KafkaProducer(bootstrap_servers=bootstrap_servers, linger_ms=20, acks=1)

    def send_mention(self, mention: Mention) -> None:
        self.send_raw(mention.model_dump_json().encode(), key=mention.brand.encode())

    def send_raw(self, value: bytes, key: bytes | None = None) -> None:
        self._producer.send(self.topic, value=value, key=key)

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.close()


def simulate(
    simulator: MentionSimulator,
    producer: MentionProducer,
    *,
    history: timedelta,
    until: datetime | None = None,
    on_history_sent: Callable[[int], None] = lambda count: None,
) -> None:
    """Send ``history`` of past mentions at once, then mentions as they happen, until ``until`` (or forever)."""
    now = utc_now().replace(microsecond=0)
    sent = 0
    for mention in simulator.between(now - history, now):
        producer.send_mention(mention)
        sent += 1
    producer.flush()
    on_history_sent(sent)
    last = now
    while until is None or last < until:
        time.sleep(max(0.0, 1.0 - (utc_now() - last).total_seconds()))
        now = utc_now().replace(microsecond=0)
        for mention in simulator.between(last, now):
            producer.send_mention(mention)
        producer.flush()
        last = now


def replay(
    lines: Iterable[bytes],
    producer: MentionProducer,
    *,
    speed: float,
    on_line: Callable[[], None] = lambda: None,
) -> None:
    """Send each JSONL line as it is (bad lines too: the pipeline dead-letters them).

    With ``speed`` > 0 the gaps between ``created_at`` times are kept, divided by
    ``speed``; with 0 the lines go as fast as the broker takes them.
    """
    first_created: datetime | None = None
    started = time.monotonic()
    for line in lines:
        raw = line.rstrip(b"\r\n")
        if not raw:
            continue
        brand, created = _peek(raw)
        if speed > 0 and created is not None:
            first_created = first_created or created
            due = started + (created - first_created).total_seconds() / speed
            time.sleep(max(0.0, due - time.monotonic()))
        producer.send_raw(raw, key=brand.encode() if brand else None)
        on_line()
    producer.flush()


def _peek(raw: bytes) -> tuple[str | None, datetime | None]:
    """Brand and time of a line, for keying and pacing only; validation is the pipeline's job."""
    try:
        data = json.loads(raw)
        brand = data.get("brand")
        created = datetime.fromisoformat(data["created_at"]) if "created_at" in data else None
    except (ValueError, TypeError, AttributeError, KeyError):
        return None, None
    if created is not None and created.tzinfo is None:
        created = None
    return (brand if isinstance(brand, str) else None), created


def count_lines(path: Path) -> int:
    with path.open("rb") as file:
        return sum(1 for _ in file)
