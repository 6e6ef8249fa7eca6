"""Silences, kept in a global table: every worker routes some brands, and any silence may match them."""

from __future__ import annotations

from badbuzz.alerts.policy.silences import Silence, Silences
from badbuzz.streams.app import app

#: silence id → :class:`badbuzz.alerts.policy.silences.Silence` JSON, on every worker.
silences = app.GlobalTable("silences", key_type=bytes, value_type=bytes, use_partitioner=True)


def current_silences() -> Silences:
    return Silences(by_id={key.decode(): Silence.model_validate_json(value) for key, value in silences.items()})


class TableSilenceStore:
    """The silences API's store: reads the global table, writes through its changelog."""

    def current(self) -> Silences:
        return current_silences()

    async def save(self, silence: Silence) -> None:
        silences[silence.id.encode()] = silence.model_dump_json().encode()
