"""Silences, kept in the worker's global table of silences (:attr:`badbuzz.streams.tables.Tables.silences`)."""

from __future__ import annotations

from badbuzz.alerts.policy.silences import Silence, Silences


class TableSilenceStore:
    """The silences API's store and the route stage's source: reads the global table, writes through its changelog."""

    def __init__(self, table) -> None:
        self.table = table

    def current(self) -> Silences:
        return Silences(by_id={key.decode(): Silence.model_validate_json(value) for key, value in self.table.items()})

    async def save(self, silence: Silence) -> None:
        self.table[silence.id.encode()] = silence.model_dump_json().encode()
