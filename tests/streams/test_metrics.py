"""The worker's metrics, read back from a private registry as Prometheus would scrape them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from badbuzz.alerts.incidents import Change, IncidentEvent, IncidentState
from badbuzz.streams.metrics import Metrics
from badbuzz.vocabulary.errors import RejectReason
from badbuzz.vocabulary.records import Author, EnrichedMention, Kind, Mention, WindowCount
from badbuzz.vocabulary.signals import Judgement, Severity, Signal
from tests.alerts.factories import incident

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry) -> Metrics:
    return Metrics(registry, brands=("nuvola", "velocia"), languages=("en", "fr"))


def mention(brand: str = "nuvola", *, language: str | None = "fr", is_repost: bool = False, ago: float = 3.0):
    return Mention(
        id="x:1",
        brand=brand,
        platform="x",
        author=Author(handle="claire_b", followers=5120),
        text="Encore une panne",
        language=language,
        created_at=NOW - timedelta(seconds=ago),
        is_repost=is_repost,
    )


def enriched(probs=(0.8, 0.15, 0.05), detected_language="fr") -> EnrichedMention:
    return EnrichedMention(
        **mention().model_dump(), detected_language=detected_language, sentiment_probs=probs, reach=400.0
    )


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def window(brand: str = "nuvola", volume: int = 42, duplicates: int = 2, late: int = 1) -> WindowCount:
    return WindowCount(
        brand=brand, start=NOW, end=NOW + timedelta(minutes=1), volume=volume, duplicates=duplicates, late=late
    )


def test_a_plain_mention_is_counted_with_the_collectors_fields(registry, metrics):
    metrics.count_mention(mention(is_repost=True), now=NOW.timestamp())
    labels = dict(brand="nuvola", sentiment="unscored", language="fr", platform="x", kind="repost")
    assert sample(registry, "badbuzz_mentions_total", **labels) == 1.0
    assert sample(registry, "badbuzz_event_lag_seconds_count") == 1.0
    assert sample(registry, "badbuzz_event_lag_seconds_sum") == pytest.approx(3.0)
    assert sample(registry, "badbuzz_event_lag_seconds_bucket", le="5.0") == 1.0
    assert sample(registry, "badbuzz_event_lag_seconds_bucket", le="2.0") == 0.0


def test_an_enriched_mention_is_counted_with_its_sentiment_detected_language_and_kind(registry, metrics):
    metrics.count_mention(enriched(), now=NOW.timestamp())
    metrics.count_mention(enriched(probs=(0.1, 0.2, 0.7), detected_language="de"), kind=Kind.COPY, now=0.0)
    metrics.count_mention(enriched(), kind=Kind.ORIGINAL, suspected_bot=True, now=NOW.timestamp())
    base = dict(brand="nuvola", platform="x")
    assert sample(registry, "badbuzz_mentions_total", sentiment="negative", language="fr", kind="original", **base)
    assert sample(registry, "badbuzz_mentions_total", sentiment="positive", language="und", kind="copy", **base)
    assert sample(registry, "badbuzz_mentions_total", sentiment="negative", language="fr", kind="bot", **base)
    # A clock behind the mention's is no negative lag.
    assert sample(registry, "badbuzz_event_lag_seconds_bucket", le="0.25") == 1.0


def test_labels_never_grow_from_input(registry, metrics):
    for i in range(50):
        metrics.count_mention(mention(brand=f"brand-{i}", language=f"x{chr(97 + i % 26)}"), now=NOW.timestamp())
        metrics.window_closed(window(brand=f"brand-{i}"))
    exposition = generate_latest(registry).decode()
    assert "brand-" not in exposition
    brands = {
        s.labels.get("brand") for family in text_string_to_metric_families(exposition) for s in family.samples
    } - {None}
    assert brands <= {"nuvola", "velocia", "other"}
    assert sample(
        registry, "badbuzz_mentions_total", brand="other", sentiment="unscored", language="und", platform="x",
        kind="original",
    ) == 50.0  # fmt: skip
    # A window of an unconfigured brand is counted, but sets no per-brand gauge.
    assert sample(registry, "badbuzz_windows_closed_total", brand="other") == 50.0
    assert sample(registry, "badbuzz_window_mentions", brand="other") is None


def test_no_configured_brand_counts_everything_as_other_and_exports_no_brand_gauge(registry):
    metrics = Metrics(registry, brands=(), languages=("en",))
    metrics.count_mention(mention(), now=NOW.timestamp())
    metrics.window_closed(window())
    metrics.judged("nuvola", Signal.VOLUME, Judgement(40, 2.0, None, 10, 8, 12), threshold=6.0)
    assert sample(registry, "badbuzz_windows_closed_total", brand="other") == 1.0
    assert "badbuzz_window_mentions{" not in generate_latest(registry).decode()
    assert "badbuzz_detector_score{" not in generate_latest(registry).decode()


def test_dead_letters_by_reason_start_at_zero(registry, metrics):
    metrics.dead_letter(RejectReason.UNKNOWN_BRAND)
    metrics.dead_letter(RejectReason.UNKNOWN_BRAND)
    assert sample(registry, "badbuzz_dead_letters_total", reason="unknown_brand") == 2.0
    assert all(
        sample(registry, "badbuzz_dead_letters_total", reason=reason) == 0.0
        for reason in RejectReason
        if reason is not RejectReason.UNKNOWN_BRAND
    )


def test_a_closed_window_sets_the_brand_gauges_and_counts_duplicates_and_late_mentions(registry, metrics):
    metrics.window_closed(window(volume=42, duplicates=2, late=1), negative_share=0.25)
    metrics.window_closed(window(volume=7, duplicates=1, late=0))
    assert sample(registry, "badbuzz_window_mentions", brand="nuvola") == 7.0
    assert sample(registry, "badbuzz_window_negative_ratio", brand="nuvola") == 0.25
    assert sample(registry, "badbuzz_windows_closed_total", brand="nuvola") == 2.0
    assert sample(registry, "badbuzz_duplicate_mentions_total", brand="nuvola") == 3.0
    assert sample(registry, "badbuzz_late_mentions_total", brand="nuvola") == 1.0


def test_a_judgement_sets_value_score_baseline_band_and_threshold(registry, metrics):
    metrics.judged(
        "velocia", Signal.NEGATIVE_SHARE, Judgement(0.4, 9.5, Severity.WARNING, 0.2, 0.15, 0.25), threshold=6
    )
    labels = dict(brand="velocia", signal="negative_share")
    assert sample(registry, "badbuzz_signal_value", **labels) == 0.4
    assert sample(registry, "badbuzz_detector_score", **labels) == 9.5
    assert [sample(registry, "badbuzz_baseline", bound=bound, **labels) for bound in ("low", "usual", "high")] == [
        0.15,
        0.2,
        0.25,
    ]
    assert sample(registry, "badbuzz_detector_threshold", signal="negative_share") == 6.0


def test_incidents_open_escalate_and_resolve(registry, metrics):
    opened = incident("nuvola", Signal.VOLUME, Severity.WARNING)
    metrics.incident_tracked(
        "nuvola", Signal.VOLUME, IncidentState(incident=opened), IncidentEvent(change=Change.OPENED, incident=opened)
    )
    open_labels = dict(brand="nuvola", signal="volume")
    assert sample(registry, "badbuzz_incidents_open", severity="warning", **open_labels) == 1.0
    assert sample(registry, "badbuzz_incidents_open", severity="critical", **open_labels) == 0.0
    assert sample(registry, "badbuzz_incidents_opened_total", signal="volume", severity="warning") == 1.0

    escalated = incident("nuvola", Signal.VOLUME, Severity.CRITICAL)
    metrics.incident_tracked(
        "nuvola",
        Signal.VOLUME,
        IncidentState(incident=escalated),
        IncidentEvent(change=Change.ESCALATED, incident=escalated),
    )
    assert sample(registry, "badbuzz_incidents_open", severity="warning", **open_labels) == 0.0
    assert sample(registry, "badbuzz_incidents_open", severity="critical", **open_labels) == 1.0
    assert sample(registry, "badbuzz_incidents_escalated_total", signal="volume", severity="critical") == 1.0

    # A calm window that does not resolve yet changes nothing.
    metrics.incident_tracked("nuvola", Signal.VOLUME, IncidentState(incident=escalated, calm_windows=1), None)
    assert sample(registry, "badbuzz_incidents_open", severity="critical", **open_labels) == 1.0

    resolved = incident("nuvola", Signal.VOLUME, Severity.CRITICAL, resolved=True)
    metrics.incident_tracked(
        "nuvola", Signal.VOLUME, IncidentState(), IncidentEvent(change=Change.RESOLVED, incident=resolved)
    )
    assert all(
        sample(registry, "badbuzz_incidents_open", severity=severity, **open_labels) == 0.0 for severity in Severity
    )
    assert sample(registry, "badbuzz_incidents_resolved_total", signal="volume", severity="critical") == 1.0
    # Every signal and severity has its counters from the start.
    assert sample(registry, "badbuzz_incidents_opened_total", signal="negative_reach", severity="info") == 0.0


def test_notifications_by_channel(registry, metrics):
    metrics.declare_channels(["console", "slack"])
    metrics.notification_sent("slack")
    metrics.notification_retried("slack")
    metrics.notification_failed("slack")
    assert sample(registry, "badbuzz_notifications_sent_total", channel="slack") == 1.0
    assert sample(registry, "badbuzz_notification_retries_total", channel="slack") == 1.0
    assert sample(registry, "badbuzz_notifications_failed_total", channel="slack") == 1.0
    assert sample(registry, "badbuzz_notifications_failed_total", channel="console") == 0.0


def test_batch_sizes_by_agent(registry, metrics):
    for size in (1, 300, 2000):
        metrics.batch("count", size)
    assert sample(registry, "badbuzz_batch_size_count", agent="count") == 3.0
    assert sample(registry, "badbuzz_batch_size_sum", agent="count") == 2301.0
    assert sample(registry, "badbuzz_batch_size_bucket", agent="count", le="500.0") == 2.0


def test_consumer_lag_keeps_only_the_partitions_assigned_now(registry, metrics):
    metrics.consumer_lags([("badbuzz.mentions", 0, 120), ("badbuzz.mentions", 1, 3)])
    metrics.consumer_lags([("badbuzz.mentions", 1, 0)])
    assert sample(registry, "badbuzz_consumer_lag_messages", topic="badbuzz.mentions", partition="0") is None
    assert sample(registry, "badbuzz_consumer_lag_messages", topic="badbuzz.mentions", partition="1") == 0.0


def test_brand_gauges_are_exported_only_by_the_worker_owning_the_brand(registry):
    owned = {"nuvola"}
    metrics = Metrics(registry, brands=("nuvola", "velocia"), languages=("fr",), brand_owned=owned.__contains__)
    metrics.window_closed(window(brand="nuvola"))
    metrics.window_closed(window(brand="velocia"))
    assert sample(registry, "badbuzz_window_mentions", brand="nuvola") == 42.0
    assert sample(registry, "badbuzz_window_mentions", brand="velocia") is None
    # After a rebalance, the brand goes with its partition.
    owned.clear()
    owned.add("velocia")
    assert sample(registry, "badbuzz_window_mentions", brand="nuvola") is None
    assert sample(registry, "badbuzz_window_mentions", brand="velocia") == 42.0
    # Counters are the worker's own work: they stay.
    assert sample(registry, "badbuzz_windows_closed_total", brand="nuvola") == 1.0


def test_the_exposition_follows_prometheus_naming(registry, metrics):
    metrics.count_mention(mention(), now=NOW.timestamp())
    metrics.window_closed(window())
    families = list(text_string_to_metric_families(generate_latest(registry).decode()))
    assert families and all(family.name.startswith("badbuzz_") for family in families)
    counters = [family for family in families if family.type == "counter"]
    assert counters and all(
        sample.name.endswith(("_total", "_created")) for family in counters for sample in family.samples
    )
