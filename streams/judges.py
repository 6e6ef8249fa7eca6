"""Each brand's authenticity judge (reposts, copies, bots), kept in memory and checkpointed.

A busy brand's judge remembers thousands of recent texts: writing that to the
changelog after every batch would dwarf the mentions themselves. The count agent
keeps the judges of its brands in memory and a timer checkpoints them; after a
crash or a rebalance a brand starts from its last checkpoint, and forgetting a
few seconds of texts only means a few copies count as originals.
"""

from __future__ import annotations

from detectors.authenticity import Authenticity, AuthenticitySettings
from streams.tables import StateTable


class Judges:
    """The judges of the brands this worker counts."""

    def __init__(self, table: StateTable, settings: AuthenticitySettings) -> None:
        self.table = table
        self.settings = settings
        self._judges: dict[str, Authenticity] = {}
        self._changed: set[str] = set()

    def of(self, brand: str) -> Authenticity:
        """The brand's judge; the caller judges with it, so it is saved at the next checkpoint."""
        judge = self._judges.get(brand)
        if judge is None:
            stored = self.table.get(brand)
            judge = Authenticity.from_state(stored, self.settings) if stored else Authenticity(self.settings)
            self._judges[brand] = judge
        self._changed.add(brand)
        return judge

    def checkpoint(self) -> None:
        for brand in self._changed:
            self.table[brand] = self._judges[brand].state()
        self._changed.clear()

    def forget(self) -> None:
        """After a rebalance: brands may have moved, and their judges with them (through the table)."""
        self._judges.clear()
        self._changed.clear()
