"""The worker's web pages, on Faust's web server (``BADBUZZ_WEB_PORT``), declared by :func:`install`.

- ``GET /metrics``: Prometheus' exposition of the worker's metrics.
- ``POST /slack/actions``: the Slack buttons (signed by Slack: ``SLACK_SIGNING_SECRET``).
- ``POST /api/incidents/{brand}/{signal}/actions``: the same actions without Slack.
- ``GET|POST /api/silences``, ``DELETE /api/silences/{id}``: silences.
- ``POST /api/relabels``: a mention's true sentiment, learnt by the brand's scorer.
- ``/console``: the incident console for people (:mod:`badbuzz.streams.console.web`).

The API takes ``Authorization: Bearer $BADBUZZ_API_TOKEN``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from badbuzz.alerts.actions import IncidentActions, Reply, bearer_refusal, response
from badbuzz.alerts.incidents import IncidentFeedback, parse_dedup_key
from badbuzz.alerts.silence_api import SilenceApi
from badbuzz.detectors.enrichment.sentiment.feedback import Relabel
from badbuzz.streams.config import Settings
from badbuzz.streams.console.auth import ConsoleAuth
from badbuzz.streams.console.store import ConsoleStore
from badbuzz.streams.console.web import Console
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.tables import SilenceTable
from badbuzz.streams.topics import Topics, publish
from badbuzz.vocabulary.sentiment import Sentiment


class RelabelRequest(BaseModel):
    """``POST /api/relabels``: a person says which sentiment a mention really has."""

    model_config = ConfigDict(extra="forbid")

    mention_id: str = Field(min_length=1, max_length=256)
    brand: str = Field(min_length=1, max_length=128)
    text: str
    language: str = Field(description="The language the mention was scored in, as enriched.")
    label: Sentiment
    user: str = Field(min_length=1)


def install(
    app,
    settings: Settings,
    topics: Topics,
    metrics: Metrics,
    silences: SilenceTable,
    console_store: ConsoleStore,
) -> None:
    """Declare the worker's pages on ``app``: everything they read and write is passed in."""
    api_token = _secret(settings.api_token)

    @app.page("/metrics")
    async def metrics_page(web, request):
        """Prometheus' text exposition of this worker's metrics."""
        # As a header: aiohttp refuses a charset inside its content_type argument.
        return web.bytes(generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def publish_feedback(feedback: IncidentFeedback) -> None:
        brand, _ = parse_dedup_key(feedback.dedup_key)
        await publish(topics.feedback, brand, feedback)

    async def relabel(request: web.Request) -> web.Response:
        refusal = bearer_refusal(api_token, request.headers)
        if refusal is not None:
            return response(refusal)
        try:
            asked = RelabelRequest.model_validate_json(await request.read())
        except ValidationError as error:
            return response(Reply(400, {"error": str(error)}))
        if settings.brands and asked.brand not in settings.brands:
            return response(Reply(400, {"error": f"{asked.brand!r} is not a tracked brand"}))
        learnt = Relabel(**asked.model_dump(), at=datetime.now(UTC))
        await publish(topics.relabels, learnt.brand, learnt)
        return response(Reply(202, learnt.model_dump(mode="json")))

    actions = IncidentActions(
        publish_feedback, signing_secret=_secret(settings.slack_signing_secret), api_token=api_token
    )
    silence_api = SilenceApi(silences, api_token=api_token)
    console = Console(
        auth=ConsoleAuth(api_token),
        publish=publish_feedback,
        records=console_store.records_of,
        watch=console_store.watch_of,
        brands=lambda: settings.brands or console_store.known_brands(),
        zone_of=settings.routes.zone_of,
        language=settings.language,
    )
    # Faust's web server is aiohttp's: these endpoints are plain aiohttp routes on it.
    app.web.web_app.router.add_routes(
        [*actions.routes(), *silence_api.routes(), web.post("/api/relabels", relabel), *console.routes()]
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
