"""The consumer lag of a worker, sampled on a timer into its metrics."""

from __future__ import annotations

from badbuzz.streams.metrics import Metrics
from badbuzz.streams.topics import PREFIX

#: Seconds between two samples of the consumer lag.
LAG_SAMPLE_SECONDS = 5.0


def install(app, metrics: Metrics, *, interval: float = LAG_SAMPLE_SECONDS) -> None:
    @app.timer(interval=interval, name="badbuzz.sample_consumer_lag")
    async def sample_consumer_lag() -> None:
        """Messages behind the end of each assigned partition: growing lag means the workers cannot keep up."""
        if app.rebalancing:
            return
        consumer = app.consumer
        lags = []
        for tp in consumer.assignment():
            # The agents' topics only: a worker's own changelog partitions are written, not read,
            # once its tables are recovered, so their "lag" grows without meaning anything.
            if not tp.topic.startswith(PREFIX):
                continue
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = await consumer.position(tp)
            if position is not None:
                lags.append((tp.topic, tp.partition, highwater - position))
        metrics.consumer_lags(lags)
