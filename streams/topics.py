"""The topics, in the order a mention travels through them.

Raw mentions are keyed by brand at the source (the mention contract): a brand's
mentions land on one partition, whose worker keeps the brand's windows. A mention
keyed otherwise is forwarded once to its brand's partition. Every topic is keyed so
that what must be handled together lands on one partition: mentions, relabels,
window counts, incidents and people's feedback by brand (inhibition compares a
brand's incidents), outbound notifications by receiver (frequency caps are per
receiver), each receiver's notifications by receiver and dedup key. Scaling out
is running more workers, up to the partition count.

The names are plain constants, for any process; :class:`Topics` declares them on a
worker's app.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from kafka.partitioner import murmur2
from pydantic import BaseModel

#: Every badbuzz topic's name starts so; the tables' changelogs are named after the app instead.
PREFIX = "badbuzz."
MENTIONS = "badbuzz.mentions"
DEAD_LETTERS = "badbuzz.mentions.dead-letter"
RELABELS = "badbuzz.relabels"
WINDOW_COUNTS = "badbuzz.window-counts"
INCIDENTS = "badbuzz.incidents"
FEEDBACK = "badbuzz.incident-feedback"
OUTBOUND = "badbuzz.notifications.outbound"
NOTIFICATIONS = "badbuzz.notifications"
UNDELIVERABLE = "badbuzz.notifications.dead-letter"


def notifications_topic(receiver: str) -> str:
    """Each receiver has its own topic, so a channel that is down holds up only its own deliveries."""
    return f"{NOTIFICATIONS}.{receiver}"


def all_topics(receivers: Iterable[str]) -> tuple[str, ...]:
    """Every topic the pipeline reads or writes with ``receivers`` configured."""
    fixed = (MENTIONS, DEAD_LETTERS, RELABELS, WINDOW_COUNTS, INCIDENTS, FEEDBACK, OUTBOUND, UNDELIVERABLE)
    return fixed + tuple(notifications_topic(receiver) for receiver in receivers)


async def publish(topic, key: str, record: BaseModel | bytes, *, partition: int | None = None):
    """Put ``record`` on ``topic`` as JSON, keyed by ``key``: how every stage writes to a topic.

    Raw bytes go as they are: a mention forwarded to its brand's partition is the
    message as it came, not our reading of it. Returns Faust's future of the sent
    record's metadata (its offset), for a stage that must know where its records landed.
    """
    value = record if isinstance(record, bytes) else record.model_dump_json().encode()
    return await topic.send(key=key.encode(), value=value, partition=partition)


#: Brands and receivers seen recently: hashing each mention's key again costs more than the lookup.
@lru_cache(maxsize=65_536)
def partition_of(key: str, partitions: int) -> int:
    """The partition of ``partitions`` Kafka's default partitioner (murmur2, as in the Java client) gives ``key``."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


class Topics:
    """The topics declared on a worker's ``app``, each with ``partitions`` partitions.

    It also answers which of their partitions this worker owns now, for whatever acts
    outside events on the keys it owns (timers, per-brand gauges).
    """

    def __init__(self, app, partitions: int) -> None:
        self.app = app
        self.partitions = partitions
        self.mentions = self.declare(MENTIONS)
        self.dead_letters = self.declare(DEAD_LETTERS)
        self.relabels = self.declare(RELABELS)
        self.window_counts = self.declare(WINDOW_COUNTS)
        self.incidents = self.declare(INCIDENTS)
        self.feedback = self.declare(FEEDBACK)
        self.outbound = self.declare(OUTBOUND)
        self.undeliverable = self.declare(UNDELIVERABLE)

    def declare(self, name: str):
        # Raw bytes both ways: records are pydantic models, validated by the agents themselves,
        # so that a bad message becomes a dead letter instead of a crash inside Faust.
        return self.app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=self.partitions,
        )

    def notifications_for(self, receiver: str):
        return self.declare(notifications_topic(receiver))

    def partition_of(self, key: str) -> int:
        return partition_of(key, self.partitions)

    def owned(self, topic: str) -> set[int]:
        """The partitions of ``topic`` assigned to this worker now (none during a rebalance)."""
        return {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == topic}

    def owns(self, topic: str, key: str) -> bool:
        """Whether this worker owns ``key``'s partition of ``topic`` now."""
        return self.partition_of(key) in self.owned(topic)
