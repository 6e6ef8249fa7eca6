"""The Faust application of a worker: :func:`make_app` builds it from the settings, nothing at import."""

from __future__ import annotations

import faust

from badbuzz.streams.config import Settings

#: The largest record a worker writes. Kafka refuses records over a megabyte by default, and
#: a table value that is refused crashes the worker; a crisis brand's open windows (about 22
#: bytes a mention) pass a megabyte at some 45,000 mentions, so changelogs take up to this.
MAX_RECORD_BYTES = 16 * 1024 * 1024


def make_app(settings: Settings) -> faust.App:
    """A Faust app with nothing declared on it yet: :func:`badbuzz.streams.pipeline.build` declares the rest."""
    return faust.App(
        settings.worker_id,
        broker=settings.broker_url,
        datadir=settings.data_dir,
        # Tables live in memory and are rebuilt from their changelog topics on start.
        store="memory://",
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        producer_max_batch_size=settings.producer_max_batch_size,
        # The ingest stage takes batches of ``batch_size``: fetch and buffer enough to fill them.
        broker_max_poll_records=2 * settings.batch_size,
        stream_buffer_maxsize=4 * settings.batch_size,
        producer_max_request_size=MAX_RECORD_BYTES,
        broker_session_timeout=settings.broker_session_timeout,
        broker_heartbeat_interval=settings.broker_heartbeat_interval,
        broker_rebalance_timeout=settings.broker_rebalance_timeout,
        web_port=settings.web_port,
        web_bind="0.0.0.0",
    )
