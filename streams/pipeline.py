"""The composition root: the worker's parts built explicitly, then each stage's agents declared.

::

    mentions ─ingest──────────────────────────▶ window counts ─detect─▶ incidents ─route─▶ outbound
        │  (decode, validate, language,           (a watch per           (group, inhibit,      │ throttle
        │   sentiment, reach, reposts, copies,     signal, incidents)     silence, quiet        ▼ (caps)
        │   bots, per-brand windows: one hop)            ▲               hours, dedup)  notifications.<receiver>
        ▼                                                │                                     │ deliver
    dead letters                       feedback (buttons, API)                                 ▼ channel

Importing this module builds nothing; :func:`build` does, once, for the worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from badbuzz.alerts.notify.channels import notifiers_from
from badbuzz.alerts.notify.delivery import Outcome
from badbuzz.streams import topics
from badbuzz.streams.app import app, settings
from badbuzz.streams.config import Settings
from badbuzz.streams.console import store as console_store
from badbuzz.streams.enrichment import Enricher
from badbuzz.streams.ingest import IngestStage
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.stages import delivery, detection, routing
from badbuzz.streams.stages import ingest as ingest_stage
from badbuzz.streams.stages.ingest import IngestRunner
from badbuzz.streams.tables import brand_states, new_brand_state, sentiment_corrections


@dataclass
class Pipeline:
    app: object
    enricher: Enricher
    notifiers: dict
    metrics: Metrics
    ingest: IngestRunner


def tick_seconds(settings: Settings) -> float:
    """How often the timers look for windows to close and notifications whose wait is over."""
    return max(1.0, min(5.0, settings.window_seconds / 6))


def build(metrics: Metrics, settings: Settings = settings) -> Pipeline:
    """Build the enricher, the notifiers and the ingest stage; declare every stage's agents on the app."""
    enricher = Enricher.from_settings(settings)

    def count_delivery(channel: str, outcome: Outcome) -> None:
        {
            Outcome.SENT: metrics.notification_sent,
            Outcome.RETRIED: metrics.notification_retried,
            Outcome.FAILED: metrics.notification_failed,
        }[outcome](channel)

    notifiers = notifiers_from(settings, observe=count_delivery)
    metrics.declare_channels(notifiers)

    def correction_of(brand: str):
        correction = sentiment_corrections.get(brand)
        return correction if correction is not None and correction.n_learnt >= settings.min_relabels else None

    stage = IngestStage(
        enricher=enricher,
        states=brand_states,
        new_state=new_brand_state,
        metrics=metrics,
        partition_of=topics.partition_of,
        corrections=correction_of,
        max_message_bytes=settings.max_message_bytes,
        brands=settings.brands,
        max_clock_skew_seconds=settings.max_clock_skew_seconds,
        early_min_seconds=settings.early_min_seconds if settings.early_judgement_seconds else None,
        min_count=settings.min_count,
    )
    runner = IngestRunner(
        app,
        stage,
        brand_states,
        metrics,
        checkpoint_seconds=settings.checkpoint_seconds,
        bootstrap_servers=settings.bootstrap_servers,
        early_judgement_seconds=settings.early_judgement_seconds,
    )
    tick = tick_seconds(settings)
    ingest_stage.install(
        app,
        runner,
        sentiment_corrections,
        batch_size=settings.batch_size,
        batch_seconds=settings.batch_seconds,
        tick_seconds=min(tick, settings.checkpoint_seconds),
    )
    detection.install(app, settings, metrics)
    routing.install(app, settings, set(notifiers), tick_seconds=tick)
    delivery.install(app, settings, notifiers)
    console_store.install(app)
    return Pipeline(app=app, enricher=enricher, notifiers=notifiers, metrics=metrics, ingest=runner)
