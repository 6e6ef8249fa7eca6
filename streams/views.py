"""The worker's web pages, on Faust's web server (``BADBUZZ_WEB_PORT``).

- ``GET /metrics``: Prometheus' exposition of the worker's metrics.
- ``POST /slack/actions``: the Slack buttons (signed by Slack: ``SLACK_SIGNING_SECRET``).
- ``POST /api/incidents/{brand}/{signal}/actions``: the same actions without Slack.
- ``GET|POST /api/silences``, ``DELETE /api/silences/{id}``: silences.
- ``POST /api/relabels``: a mention's true sentiment, learnt by the brand's scorer.
- ``/console``: the incident console for people (:mod:`badbuzz.streams.console.web`).

The API takes ``Authorization: Bearer $BADBUZZ_API_TOKEN``.

The worker's :class:`~badbuzz.streams.metrics.Metrics` live here, on a registry of their own
(not prometheus-client's global one, which a library could fill with its own series).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from badbuzz.alerts.actions import IncidentActions, Reply, bearer_refusal, response
from badbuzz.alerts.incidents import IncidentFeedback, parse_dedup_key
from badbuzz.alerts.silence_api import SilenceApi
from badbuzz.detectors.enrichment.sentiment.feedback import Relabel
from badbuzz.streams import topics
from badbuzz.streams.app import app, settings
from badbuzz.streams.console import store
from badbuzz.streams.console.auth import ConsoleAuth
from badbuzz.streams.console.web import Console
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.tables import silences
from badbuzz.vocabulary.sentiment import Sentiment

log = logging.getLogger(__name__)

#: Seconds between two samples of the consumer lag.
LAG_SAMPLE_SECONDS = 5.0


def brand_owned(brand: str) -> bool:
    """Whether this worker owns the brand's partition: brands are keys of mentions."""
    owned = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topics.MENTIONS}
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


async def publish_feedback(feedback: IncidentFeedback) -> None:
    brand, _ = parse_dedup_key(feedback.dedup_key)
    await topics.publish(topics.feedback, brand, feedback)


class RelabelRequest(BaseModel):
    """``POST /api/relabels``: a person says which sentiment a mention really has."""

    model_config = ConfigDict(extra="forbid")

    mention_id: str = Field(min_length=1, max_length=256)
    brand: str = Field(min_length=1, max_length=128)
    text: str
    language: str = Field(description="The language the mention was scored in, as enriched.")
    label: Sentiment
    user: str = Field(min_length=1)


async def relabel(request: web.Request) -> web.Response:
    refusal = bearer_refusal(_secret(settings.api_token), request.headers)
    if refusal is not None:
        return response(refusal)
    try:
        asked = RelabelRequest.model_validate_json(await request.read())
    except ValidationError as error:
        return response(Reply(400, {"error": str(error)}))
    if settings.brands and asked.brand not in settings.brands:
        return response(Reply(400, {"error": f"{asked.brand!r} is not a tracked brand"}))
    learnt = Relabel(**asked.model_dump(), at=datetime.now(UTC))
    await topics.publish(topics.relabels, learnt.brand, learnt)
    return response(Reply(202, learnt.model_dump(mode="json")))


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


actions = IncidentActions(
    publish_feedback,
    signing_secret=_secret(settings.slack_signing_secret),
    api_token=_secret(settings.api_token),
)
silence_api = SilenceApi(silences, api_token=_secret(settings.api_token))
console = Console(
    auth=ConsoleAuth(_secret(settings.api_token)),
    publish=publish_feedback,
    records=store.records_of,
    watch=store.watch_of,
    brands=lambda: settings.brands or store.known_brands(),
    zone_of=settings.routes.zone_of,
    language=settings.language,
)
# Faust's web server is aiohttp's: these endpoints are plain aiohttp routes on it.
app.web.web_app.router.add_routes(
    [*actions.routes(), *silence_api.routes(), web.post("/api/relabels", relabel), *console.routes()]
)
