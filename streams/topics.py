"""The topics, in the order a mention travels through them.

Collectors may key raw mentions as they like; accepted mentions (validated, and
later enriched) are re-keyed by brand. Every topic from there on is keyed so that
what must be handled together lands on one partition: accepted mentions and
window counts by brand, incidents by dedup key,
notifications by channel and dedup key. Scaling out is running more workers,
up to the partition count.
"""

from __future__ import annotations

from kafka.partitioner import murmur2

from streams.app import app, settings

MENTIONS = "badbuzz.mentions"
ACCEPTED = "badbuzz.mentions.accepted"
DEAD_LETTERS = "badbuzz.mentions.dead-letter"
WINDOW_COUNTS = "badbuzz.window-counts"
INCIDENTS = "badbuzz.incidents"
NOTIFICATIONS = "badbuzz.notifications"

ALL = (MENTIONS, ACCEPTED, DEAD_LETTERS, WINDOW_COUNTS, INCIDENTS, NOTIFICATIONS)


def _topic(name: str):
    # Raw bytes both ways: records are pydantic models, validated by the agents themselves,
    # so that a bad message becomes a dead letter instead of a crash inside Faust.
    return app.topic(
        name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
    )


mentions = _topic(MENTIONS)
accepted = _topic(ACCEPTED)
dead_letters = _topic(DEAD_LETTERS)
window_counts = _topic(WINDOW_COUNTS)
incidents = _topic(INCIDENTS)
notifications = _topic(NOTIFICATIONS)


def partition_of(key: str) -> int:
    """The partition Kafka's default partitioner (murmur2, as in the Java client) gives ``key``."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % settings.partitions
