"""The worker's web pages, on Faust's web server (``BADBUZZ_WEB_PORT``): ``/metrics`` for Prometheus.

The worker's :class:`~streams.metrics.Metrics` live here, on a registry of their own
(not prometheus-client's global one, which a library could fill with its own series).
"""

from __future__ import annotations

import logging

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)

from streams import topics
from streams.app import app, settings
from streams.metrics import Metrics

log = logging.getLogger(__name__)

#: Seconds between two samples of the consumer lag.
LAG_SAMPLE_SECONDS = 5.0


def brand_owned(brand: str) -> bool:
    """Whether this worker owns the brand's partition: brands are keys of accepted mentions."""
    owned = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topics.ACCEPTED}
    return topics.partition_of(brand) in owned


# A counter's creation time as a series of its own doubles what Prometheus stores, for nothing here.
disable_created_metrics()
registry = CollectorRegistry()
# CPU, memory and file descriptors of the worker, beside what it counts.
ProcessCollector(registry=registry)
PlatformCollector(registry=registry)
metrics = Metrics(registry, brands=settings.brands, languages=settings.languages, brand_owned=brand_owned)

if not settings.brands:
    log.warning("BADBUZZ_BRANDS is empty: metrics count every brand as 'other' and export no per-brand gauges")


@app.page("/metrics")
async def metrics_page(web, request):
    """Prometheus' text exposition of this worker's metrics."""
    # As a header: aiohttp refuses a charset inside its content_type argument.
    return web.bytes(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


@app.timer(interval=LAG_SAMPLE_SECONDS)
async def sample_consumer_lag() -> None:
    """Messages behind the end of each assigned partition: growing lag means the workers cannot keep up."""
    if app.rebalancing:
        return
    consumer = app.consumer
    lags = []
    for tp in consumer.assignment():
        # The agents' topics only: a worker's own changelog partitions are written, not read,
        # once its tables are recovered, so their "lag" grows without meaning anything.
        if not tp.topic.startswith(topics.PREFIX):
            continue
        highwater = consumer.highwater(tp)
        if highwater is None:
            continue
        position = await consumer.position(tp)
        if position is not None:
            lags.append((tp.topic, tp.partition, highwater - position))
    metrics.consumer_lags(lags)
