"""The worker's Prometheus metrics: what the agents saw, for dashboards and alerting rules.

One :class:`Metrics` per registry: the worker keeps one on its own registry
(:mod:`badbuzz.streams.views` serves it on ``/metrics``), tests build theirs on a private
``CollectorRegistry``. The agents call its small typed methods; no agent touches a
metric object.

Every label is bounded. Brands come from configuration: a brand not configured is
counted as ``"other"``, so a collector sending new brand names never grows a series.
With no brand configured (every brand accepted), counters use ``"other"`` for all
and the per-brand gauges are not exported at all: one gauge shared by every brand
would show whichever brand wrote last. Languages outside the configured ones are
``"und"``; reasons, signals, severities, kinds and channels are enums or configured
names, never text from a message. Mention and incident ids never become labels.

Per-brand gauges describe the last closed window of a brand, which only the worker
owning the brand's partition knows: ``brand_owned`` tells which brands this worker
owns right now, so after a rebalance the worker that lost a brand stops exporting
its stale values instead of showing them for ever beside the new owner's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from badbuzz.alerts.incidents import Change, IncidentEvent, IncidentState, IncidentStatus
from badbuzz.vocabulary.errors import RejectReason
from badbuzz.vocabulary.records import EnrichedMention, Kind, Mention, WindowCount
from badbuzz.vocabulary.signals import Judgement, Severity, Signal

OTHER_BRAND = "other"
UNDETERMINED_LANGUAGE = "und"
#: Mentions not (yet) scored by the sentiment stage.
UNSCORED = "unscored"
#: The ``kind`` label of a suspected bot's mention, whatever its :class:`~badbuzz.vocabulary.records.Kind`.
BOT = "bot"
#: Every value of the ``kind`` label.
KIND_LABELS: tuple[str, ...] = (*Kind, BOT)

#: Seconds between a mention's creation and its counting: live streams sit in the first
#: buckets, a replay of history in the last ones.
EVENT_LAG_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 6 * 3600, 24 * 3600)
BATCH_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


class BaselineBound(StrEnum):
    LOW = "low"
    USUAL = "usual"
    HIGH = "high"


class _BrandGauge(Collector):
    """A gauge whose first label is a brand, exported only for the brands this worker owns."""

    def __init__(
        self, name: str, documentation: str, labelnames: tuple[str, ...], owned: Callable[[str], bool]
    ) -> None:
        assert labelnames[0] == "brand"
        self.name = name
        self.documentation = documentation
        self.labelnames = labelnames
        self.owned = owned
        self.values: dict[tuple[str, ...], float] = {}

    def set(self, labels: tuple[str, ...], value: float) -> None:
        self.values[labels] = float(value)

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)]

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)
        owned: dict[str, bool] = {}
        for labels, value in self.values.items():
            brand = labels[0]
            if brand not in owned:
                owned[brand] = self.owned(brand)
            if owned[brand]:
                family.add_metric(labels, value)
        return [family]


class Metrics:
    """The ``badbuzz_*`` metrics of one worker, on ``registry``.

    Parameters
    ----------
    registry
        Where the metrics live; the worker's own, or a private one in tests.
    brands
        The configured brands (``settings.brands``): the only values of the ``brand`` label
        besides ``"other"``.
    languages
        The configured languages (ISO 639-1): the only values of the ``language`` label
        besides ``"und"``.
    brand_owned
        Whether this worker owns a brand's partitions now; per-brand gauges of other
        brands are not exported. Everything is owned by default (a single worker, tests).

    Examples
    --------
    >>> from prometheus_client import CollectorRegistry
    >>> registry = CollectorRegistry()
    >>> metrics = Metrics(registry, brands=("nuvola",), languages=("en", "fr"))
    >>> metrics.dead_letter(RejectReason.INVALID_JSON)
    >>> registry.get_sample_value("badbuzz_dead_letters_total", {"reason": "invalid_json"})
    1.0
    >>> metrics.brand_label("nuvola"), metrics.brand_label("someone-else")
    ('nuvola', 'other')
    >>> metrics.language_label("fr-CA"), metrics.language_label("de"), metrics.language_label(None)
    ('fr', 'und', 'und')
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        brands: Collection[str],
        languages: Collection[str],
        brand_owned: Callable[[str], bool] = lambda brand: True,
    ) -> None:
        self.registry = registry
        self.brands = frozenset(brands)
        self.languages = frozenset(languages)
        self.brand_owned = brand_owned

        def counter(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, documentation, labels, registry=registry)

        def brand_gauge(name: str, documentation: str, labels: tuple[str, ...] = ("brand",)) -> _BrandGauge:
            gauge = _BrandGauge(name, documentation, labels, brand_owned)
            registry.register(gauge)
            return gauge

        self.mentions = counter(
            "badbuzz_mentions",
            "Mentions accepted, by brand, sentiment, language, platform and kind.",
            ("brand", "sentiment", "language", "platform", "kind"),
        )
        # The hot path's series, by label values: prometheus-client's own lookup costs more than the increment.
        self._mention_series: dict[tuple[str, ...], Counter] = {}
        self.dead_letters = counter(
            "badbuzz_dead_letters", "Raw messages sent to the dead-letter topic, by reason.", ("reason",)
        )
        self.duplicates = counter(
            "badbuzz_duplicate_mentions", "Redelivered mentions (same id) not counted again.", ("brand",)
        )
        self.late = counter("badbuzz_late_mentions", "Mentions that arrived after their window had closed.", ("brand",))
        self.windows_closed = counter("badbuzz_windows_closed", "Windows closed per brand.", ("brand",))
        self.windows_offered_early = counter(
            "badbuzz_windows_offered_early",
            "Open windows already notable, offered to the detect stage for early judgement, per brand.",
            ("brand",),
        )
        self.incidents_opened = counter(
            "badbuzz_incidents_opened", "Incidents opened, by signal and severity.", ("signal", "severity")
        )
        self.incidents_escalated = counter(
            "badbuzz_incidents_escalated",
            "Incidents whose severity rose, by signal and new severity.",
            ("signal", "severity"),
        )
        self.incidents_resolved = counter(
            "badbuzz_incidents_resolved", "Incidents resolved, by signal and last severity.", ("signal", "severity")
        )
        self.notifications_sent = counter(
            "badbuzz_notifications_sent", "Incident changes delivered, by channel.", ("channel",)
        )
        self.notifications_failed = counter(
            "badbuzz_notifications_failed", "Incident changes a channel failed to take after retries.", ("channel",)
        )
        self.notification_retries = counter(
            "badbuzz_notification_retries", "Delivery attempts retried, by channel.", ("channel",)
        )

        self.window_mentions = brand_gauge("badbuzz_window_mentions", "Mentions in the brand's last closed window.")
        self.window_negative_ratio = brand_gauge(
            "badbuzz_window_negative_ratio", "Share of negative mentions in the brand's last closed window (0-1)."
        )
        self.signal_value = brand_gauge(
            "badbuzz_signal_value", "A signal's value in the brand's last closed window.", ("brand", "signal")
        )
        self.detector_score = brand_gauge(
            "badbuzz_detector_score",
            "The detector's anomaly score of the last closed window (higher is more anomalous).",
            ("brand", "signal"),
        )
        self.baseline = brand_gauge(
            "badbuzz_baseline",
            "What is usual for a signal: median (usual) and quartiles (low, high) of recent normal windows.",
            ("brand", "signal", "bound"),
        )
        self.incidents_open = brand_gauge(
            "badbuzz_incidents_open",
            "1 while the brand has an open incident on the signal at that severity, else 0.",
            ("brand", "signal", "severity"),
        )
        self.detector_threshold = Gauge(
            "badbuzz_detector_threshold",
            "The score from which a window opens an incident.",
            ("signal",),
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "badbuzz_consumer_lag_messages",
            "Messages in a partition this worker has not read yet (highwater - position).",
            ("topic", "partition"),
            registry=registry,
        )

        self.event_lag = Histogram(
            "badbuzz_event_lag_seconds",
            "Wall clock minus the mention's creation time, when it is counted.",
            buckets=EVENT_LAG_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "badbuzz_batch_size",
            "Messages an agent handled in one batch.",
            ("agent",),
            buckets=BATCH_SIZE_BUCKETS,
            registry=registry,
        )

        # Series of known label values exist from the start: a rate over them is 0, not "no data".
        for reason in RejectReason:
            self.dead_letters.labels(reason=reason)
        for signal in Signal:
            for severity in Severity:
                for incidents in (self.incidents_opened, self.incidents_escalated, self.incidents_resolved):
                    incidents.labels(signal=signal, severity=severity)

    # Labels

    def brand_label(self, brand: str) -> str:
        return brand if brand in self.brands else OTHER_BRAND

    def language_label(self, language: str | None) -> str:
        """The primary subtag of a BCP 47 tag if it is a configured language, else ``"und"``."""
        if not language:
            return UNDETERMINED_LANGUAGE
        primary = language.split("-", 1)[0].lower()
        return primary if primary in self.languages else UNDETERMINED_LANGUAGE

    def _tracked(self, brand: str) -> bool:
        """Per-brand gauges only exist for configured brands (see the module's docstring)."""
        return brand in self.brands

    # Mentions

    def count_mention(
        self, mention: Mention, *, kind: Kind | None = None, suspected_bot: bool = False, now: float
    ) -> None:
        """One accepted mention; ``now`` is the wall clock in epoch seconds.

        Enriched mentions are counted with their detected language and most likely
        sentiment; plain ones with the collector's language and ``sentiment="unscored"``.
        ``kind`` defaults to the collector's repost flag; a suspected bot's mention is ``"bot"``
        whatever its kind.
        """
        self.count_mentions([(mention, kind, suspected_bot)], now=now)

    def count_mentions(self, counted: Iterable[tuple[Mention, Kind | None, bool]], *, now: float) -> None:
        """A batch of accepted mentions as (mention, kind, suspected bot): one increment per series."""
        tally: defaultdict[tuple[str, ...], int] = defaultdict(int)
        observe = self.event_lag.observe
        for mention, kind, suspected_bot in counted:
            tally[self._mention_labels(mention, kind, suspected_bot)] += 1
            observe(max(0.0, now - mention.created_at.timestamp()))
        for labels, n in tally.items():
            series = self._mention_series.get(labels)
            if series is None:
                series = self._mention_series[labels] = self.mentions.labels(*labels)
            series.inc(n)

    def _mention_labels(self, mention: Mention, kind: Kind | None, suspected_bot: bool) -> tuple[str, ...]:
        if isinstance(mention, EnrichedMention):
            language = mention.detected_language
            sentiment: str = mention.sentiment
        else:
            language = mention.language
            sentiment = UNSCORED
        if suspected_bot:
            kind_label: str = BOT
        elif kind is not None:
            kind_label = Kind(kind)
        else:
            kind_label = Kind.REPOST if mention.is_repost else Kind.ORIGINAL
        return (
            self.brand_label(mention.brand),
            sentiment,
            self.language_label(language),
            mention.platform,
            kind_label,
        )

    def dead_letter(self, reason: RejectReason) -> None:
        self.dead_letters.labels(reason=reason).inc()

    def batch(self, agent: str, size: int) -> None:
        """A batch of ``size`` messages taken by ``agent`` (its function name)."""
        self.batch_size.labels(agent=agent).observe(size)

    # Windows and detection

    def window_closed(self, window: WindowCount, *, negative_share: float | None = None) -> None:
        """A closed window; ``negative_share`` (0-1) once windows count sentiment."""
        brand = self.brand_label(window.brand)
        self.windows_closed.labels(brand=brand).inc()
        self.duplicates.labels(brand=brand).inc(window.duplicates)
        self.late.labels(brand=brand).inc(window.late)
        if self._tracked(window.brand):
            self.window_mentions.set((window.brand,), window.volume)
            if negative_share is not None:
                self.window_negative_ratio.set((window.brand,), negative_share)

    def window_offered(self, window: WindowCount) -> None:
        """An open window offered for early judgement."""
        self.windows_offered_early.labels(brand=self.brand_label(window.brand)).inc()

    def judged(self, brand: str, signal: Signal, judgement: Judgement, *, threshold: float) -> None:
        """A detector's verdict on one window of one brand's signal, and what it compared it with."""
        self.detector_threshold.labels(signal=signal).set(threshold)
        if not self._tracked(brand):
            return
        self.signal_value.set((brand, signal), judgement.value)
        self.detector_score.set((brand, signal), judgement.score)
        for bound, value in (
            (BaselineBound.LOW, judgement.usual_low),
            (BaselineBound.USUAL, judgement.usual),
            (BaselineBound.HIGH, judgement.usual_high),
        ):
            self.baseline.set((brand, signal, bound), value)

    def incident_tracked(self, brand: str, signal: Signal, state: IncidentState, event: IncidentEvent | None) -> None:
        """The tracker's step for one window: the incident's state now, and its change if any.

        Called on every window, not only on changes, so a worker that takes a brand over
        after a rebalance exports its open incidents from the next window on.
        """
        if event is not None:
            counters = {
                Change.OPENED: self.incidents_opened,
                Change.ESCALATED: self.incidents_escalated,
                Change.RESOLVED: self.incidents_resolved,
            }
            if event.change in counters:
                counters[event.change].labels(signal=signal, severity=event.incident.severity).inc()
        if not self._tracked(brand):
            return
        incident = state.incident
        open_severity = incident.severity if incident and incident.status is IncidentStatus.OPEN else None
        for severity in Severity:
            self.incidents_open.set((brand, signal, severity), 1.0 if severity == open_severity else 0.0)

    # Notifications

    def declare_channels(self, channels: Iterable[str]) -> None:
        """The configured channels: their counters start at 0, so "no failure" is not "no data"."""
        for channel in channels:
            for counter in (self.notifications_sent, self.notifications_failed, self.notification_retries):
                counter.labels(channel=channel)

    def notification_sent(self, channel: str) -> None:
        self.notifications_sent.labels(channel=channel).inc()

    def notification_failed(self, channel: str) -> None:
        self.notifications_failed.labels(channel=channel).inc()

    def notification_retried(self, channel: str) -> None:
        self.notification_retries.labels(channel=channel).inc()

    # Consumer

    def consumer_lags(self, lags: Iterable[tuple[str, int, int]]) -> None:
        """Replace the lag of every assigned partition: ``(topic, partition, messages)``.

        Partitions no longer assigned disappear rather than keep their last lag.
        """
        fresh = {(topic, str(partition)): max(0, messages) for topic, partition, messages in lags}
        self.consumer_lag.clear()
        for (topic, partition), messages in fresh.items():
            self.consumer_lag.labels(topic=topic, partition=partition).set(messages)
