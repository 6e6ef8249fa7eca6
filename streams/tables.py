"""The worker's tables, declared on its app by :class:`Tables`: each a ``StateTable`` and its codec.

Each is backed by a changelog topic so a restart picks it up. Tables are keyed like
their source topic and use Kafka's partitioner, so a key's changelog partition is
its source partition even when a stage writes them outside any event (a checkpoint).
The silences are the exception: a global table, on every worker, read afresh.
"""

from __future__ import annotations

from badbuzz.alerts.incidents import IncidentState
from badbuzz.alerts.notify.delivery import Receipt
from badbuzz.alerts.policy.dispatch import BrandDispatch
from badbuzz.alerts.policy.frequency_cap import CapState
from badbuzz.alerts.policy.silences import Silence, Silences
from badbuzz.detectors.authenticity import Authenticity
from badbuzz.streams.app import MAX_RECORD_BYTES
from badbuzz.streams.config import Settings
from badbuzz.streams.console.journal import Record
from badbuzz.streams.ingest import BrandState, BrandStateCodec
from badbuzz.streams.state import ModelCodec, PickleCodec, StateTable
from badbuzz.streams.windows import BrandWindows


class SilenceTable:
    """Every silence, in a global table: every worker routes some brands, and any silence may match them.

    It is the silences API's store (:class:`badbuzz.alerts.silence_api.SilenceStore`): it reads
    the table and writes through its changelog, so every worker mutes alike.
    """

    def __init__(self, table) -> None:
        #: silence id → :class:`badbuzz.alerts.policy.silences.Silence` JSON.
        self.table = table

    def current(self) -> Silences:
        return Silences(by_id={key.decode(): Silence.model_validate_json(value) for key, value in self.table.items()})

    async def save(self, silence: Silence) -> None:
        self.table[silence.id.encode()] = silence.model_dump_json().encode()


class Tables:
    """Every table of a worker, declared on ``app``."""

    def __init__(self, app, settings: Settings) -> None:
        self.settings = settings

        def table(name: str):
            return app.Table(
                name,
                key_type=bytes,
                value_type=bytes,
                use_partitioner=True,
                extra_topic_configs={"max.message.bytes": str(MAX_RECORD_BYTES)},
            )

        #: brand → :class:`badbuzz.streams.ingest.BrandState`: windows and judge, checkpointed by the ingest stage.
        self.brand_states: StateTable[BrandState] = StateTable(
            table("brand-states"), BrandStateCodec(self.brand_windows, settings.authenticity)
        )
        #: brand → what relabels taught, pickled
        #: (:class:`badbuzz.detectors.enrichment.sentiment.feedback.BrandCorrection`).
        self.sentiment_corrections = StateTable(table("sentiment-corrections"), PickleCodec())
        #: brand → :class:`badbuzz.detectors.anomaly.brand.BrandWatch`, pickled: river detectors
        #: pickle, by river's design.
        self.brand_watches = StateTable(table("brand-watches"), PickleCodec())
        #: brand → {signal: :class:`badbuzz.alerts.incidents.IncidentState`}
        self.incident_states: StateTable[dict[str, IncidentState]] = StateTable(
            table("incident-states"), ModelCodec(dict[str, IncidentState])
        )
        #: brand → :class:`badbuzz.alerts.policy.dispatch.BrandDispatch`
        self.dispatch_states: StateTable[BrandDispatch] = StateTable(
            table("dispatch-states"), ModelCodec(BrandDispatch)
        )
        #: receiver → :class:`badbuzz.alerts.policy.frequency_cap.CapState`
        self.cap_states: StateTable[CapState] = StateTable(table("cap-states"), ModelCodec(CapState))
        #: receiver|dedup key → :class:`badbuzz.alerts.notify.delivery.Receipt`
        self.receipts: StateTable[Receipt] = StateTable(table("receipts"), ModelCodec(Receipt))
        #: brand → its recent incidents for the console (:mod:`badbuzz.streams.console.store`),
        #: most recently changed first
        self.console_incidents: StateTable[list[Record]] = StateTable(
            table("console-incidents"), ModelCodec(list[Record])
        )
        #: silence id → :class:`badbuzz.alerts.policy.silences.Silence`, on every worker.
        self.silences = SilenceTable(
            app.GlobalTable("silences", key_type=bytes, value_type=bytes, use_partitioner=True)
        )

    @property
    def partitioned(self) -> tuple[StateTable, ...]:
        """The partitioned tables: a rebalance makes each forget the live objects of keys that may have moved."""
        return (
            self.brand_states,
            self.sentiment_corrections,
            self.brand_watches,
            self.incident_states,
            self.dispatch_states,
            self.cap_states,
            self.receipts,
            self.console_incidents,
        )

    def brand_windows(self, brand: str, state: dict | None = None) -> BrandWindows:
        settings = self.settings
        return BrandWindows.from_state(
            brand,
            state,
            window_seconds=settings.window_seconds,
            lateness_seconds=settings.lateness_seconds,
            max_gap_windows=settings.max_gap_windows,
        )

    def new_brand_state(self, brand: str) -> BrandState:
        return BrandState(windows=self.brand_windows(brand), judge=Authenticity(self.settings.authenticity))
