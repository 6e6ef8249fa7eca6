"""The composition root: settings in, the worker's parts built explicitly, each stage's agents declared.

::

    mentions ─ingest──────────────────────────▶ window counts ─detect─▶ incidents ─route─▶ outbound
        │  (decode, validate, language,           (a watch per           (group, dedup,        │ throttle
        │   sentiment, reach, reposts, copies,     signal, incidents)     flap, inhibit,        ▼ (caps)
        │   bots, per-brand windows: one hop)            ▲               silence, quiet hours) notifications.<receiver>
        ▼                                                │                                     │ deliver
    dead letters                       feedback (buttons, API)                                 ▼ channel

No module builds anything at import: :func:`build` makes the app, its topics and
tables, the metrics, the enricher (its models), the notifiers and the stages, in
that order, each given what it needs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import faust
from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector

from badbuzz.alerts.notify.channels import notifiers_from
from badbuzz.alerts.notify.delivery import Notifier, Outcome
from badbuzz.detectors.enrichment.sentiment.feedback import BrandCorrections
from badbuzz.streams import lag, views
from badbuzz.streams.app import make_app
from badbuzz.streams.config import Settings
from badbuzz.streams.console.store import ConsoleStore
from badbuzz.streams.enrichment import Enricher
from badbuzz.streams.ingest import IngestStage
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.stages import delivery, detection, routing
from badbuzz.streams.stages import ingest as ingest_stage
from badbuzz.streams.stages.ingest import IngestRunner
from badbuzz.streams.tables import Tables
from badbuzz.streams.topics import MENTIONS, Topics

log = logging.getLogger(__name__)


@dataclass
class Pipeline:
    settings: Settings
    app: faust.App
    topics: Topics
    tables: Tables
    metrics: Metrics
    enricher: Enricher
    notifiers: dict[str, Notifier]
    ingest: IngestRunner


def tick_seconds(settings: Settings) -> float:
    """How often the timers look for windows to close and notifications whose wait is over."""
    return max(1.0, min(5.0, settings.window_seconds / 6))


def worker_metrics(settings: Settings, topics: Topics) -> Metrics:
    """The worker's metrics, on a registry of its own (not prometheus-client's global one, which a
    library could fill with its own series); per-brand gauges follow the brand's mentions partition."""
    if not settings.brands:
        log.warning("BADBUZZ_BRANDS is empty: metrics count every brand as 'other' and export no per-brand gauges")
    registry = CollectorRegistry()
    # CPU, memory and file descriptors of the worker, beside what it counts.
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return Metrics(
        registry, brands=settings.brands, languages=settings.languages, brand_owned=partial(topics.owns, MENTIONS)
    )


def build(settings: Settings) -> Pipeline:
    """Build a worker from ``settings``: its app, with every stage's agents, timers and pages declared."""
    app = make_app(settings)
    topics = Topics(app, settings.partitions)
    tables = Tables(app, settings)
    metrics = worker_metrics(settings, topics)
    enricher = Enricher.from_settings(settings)

    def count_delivery(channel: str, outcome: Outcome) -> None:
        {
            Outcome.SENT: metrics.notification_sent,
            Outcome.RETRIED: metrics.notification_retried,
            Outcome.FAILED: metrics.notification_failed,
        }[outcome](channel)

    notifiers = notifiers_from(
        settings.enabled_receivers,
        slack_token=settings.slack_bot_token,
        slack_base_url=settings.slack_base_url,
        language=settings.language,
        observe=count_delivery,
    )
    metrics.declare_channels(notifiers)

    corrections = BrandCorrections(tables.sentiment_corrections, min_relabels=settings.min_relabels)

    stage = IngestStage(
        enricher=enricher,
        states=tables.brand_states,
        new_state=tables.new_brand_state,
        metrics=metrics,
        partition_of=topics.partition_of,
        corrections=corrections.of,
        max_message_bytes=settings.max_message_bytes,
        brands=settings.brands,
        max_clock_skew_seconds=settings.max_clock_skew_seconds,
        early_min_seconds=settings.early_min_seconds if settings.early_judgement_seconds else None,
        min_count=settings.min_count,
    )
    runner = IngestRunner(
        app,
        topics,
        stage,
        tables.brand_states,
        metrics,
        checkpoint_seconds=settings.checkpoint_seconds,
        bootstrap_servers=settings.bootstrap_servers,
        early_judgement_seconds=settings.early_judgement_seconds,
    )
    tick = tick_seconds(settings)
    ingest_stage.install(
        app,
        runner,
        tables,
        corrections,
        batch_size=settings.batch_size,
        batch_seconds=settings.batch_seconds,
        tick_seconds=min(tick, settings.checkpoint_seconds),
    )
    detection.install(app, settings, topics, tables, metrics)
    routing.install(app, settings, topics, tables, set(notifiers), tick_seconds=tick)
    delivery.install(app, settings, topics, tables.receipts, notifiers)
    console_store = ConsoleStore(tables.console_incidents, tables.brand_watches)
    console_store.install(app, topics.incidents)
    views.install(app, settings, topics, metrics, tables.silences, console_store)
    lag.install(app, metrics)
    return Pipeline(
        settings=settings,
        app=app,
        topics=topics,
        tables=tables,
        metrics=metrics,
        enricher=enricher,
        notifiers=notifiers,
        ingest=runner,
    )
