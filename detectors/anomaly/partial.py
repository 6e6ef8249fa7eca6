"""Judging a window while it is still open: the ability a detector declares, and what it answers.

A flood shows long before its window closes. A detector that can say what is expected of
the first seconds of a window (the same baseline its closed-window score uses) scores the
count so far against that expectation, without learning anything from it: the closed window
is judged and learnt as always. A detector without this ability simply has no early judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from badbuzz.detectors.anomaly.severity import CRITICAL_FACTOR

#: An open window opens an incident only on evidence this many times the closed-window
#: threshold (the critical level): it is judged several times before it closes, on fewer
#: mentions, and a false alarm a minute early is worth nothing.
EARLY_FACTOR = CRITICAL_FACTOR


@dataclass(frozen=True)
class PartialEvidence:
    """How rare the count so far is, and what was expected of the elapsed part of the window."""

    score: float
    usual: float
    usual_low: float
    usual_high: float


@runtime_checkable
class JudgesPartialWindows(Protocol):
    """A detector that scores the first ``seconds`` of a window still open."""

    def partial_evidence(self, x: dict, seconds: float) -> PartialEvidence:
        """``x`` as for ``score_one`` (the count or share so far); ``seconds`` of the window elapsed."""
        ...
