"""The worker's state, kept in tables backed by changelog topics so a restart picks it up.

Tables are keyed like their source topic and use Kafka's partitioner, so a key's
changelog partition is its source partition even when an agent updates the
table once per batch rather than inside each event.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator
from typing import Any

from streams.app import MAX_RECORD_BYTES, app


class StateTable:
    """A Faust table with text keys and JSON (or pickled) values, stored as raw bytes.

    Raw keys hash like the source topics' keys, which Kafka's default partitioner
    hashes as the brand's bytes.
    """

    def __init__(
        self,
        name: str,
        dumps: Callable[[Any], bytes] = lambda value: json.dumps(value).encode(),
        loads: Callable[[bytes], Any] = json.loads,
    ) -> None:
        self.table = app.Table(
            name,
            key_type=bytes,
            value_type=bytes,
            use_partitioner=True,
            extra_topic_configs={"max.message.bytes": str(MAX_RECORD_BYTES)},
        )
        self._dumps = dumps
        self._loads = loads

    def get(self, key: str) -> Any | None:
        raw = self.table.get(key.encode())
        return None if raw is None else self._loads(raw)

    def __setitem__(self, key: str, value: Any) -> None:
        self.table[key.encode()] = self._dumps(value)

    def keys(self) -> Iterator[str]:
        return (key.decode() for key in list(self.table.keys()))


#: brand → :meth:`streams.windows.BrandWindows.state`
brand_windows = StateTable("brand-windows")
#: brand → :meth:`detectors.authenticity.Authenticity.state`, checkpointed (see :mod:`streams.judges`)
brand_judges = StateTable("brand-judges")
#: brand → :class:`detectors.sentiment.feedback.BrandCorrection`, pickled: what relabels taught.
sentiment_corrections = StateTable("sentiment-corrections", dumps=pickle.dumps, loads=pickle.loads)
#: brand → :class:`detectors.brand.BrandWatch`, pickled: river detectors pickle, by river's design.
brand_watches = StateTable("brand-watches", dumps=pickle.dumps, loads=pickle.loads)
#: brand → {signal: :class:`alerts.incidents.IncidentState`}
incident_states = StateTable("incident-states")
#: brand → :class:`alerts.dispatch.BrandDispatch`
dispatch_states = StateTable("dispatch-states")
#: receiver → :class:`alerts.frequency_cap.CapState`
cap_states = StateTable("cap-states")
#: receiver|dedup key → :class:`alerts.delivery.Receipt`
receipts = StateTable("receipts")
