"""What a detector may do beyond river's protocol, declared, and what the watch does with each ability.

Every detector answers ``learn_one(x)`` and ``score_one(x)``. A detector that models the
series it watches can say more, and :class:`~badbuzz.detectors.anomaly.watch.SeriesWatch` uses what it says:

- :class:`KnowsUsualRange`: what is usual for a window, so the watch keeps no baseline of its own;
- :class:`GivesEvidence`: which span gives a rise away and how many mentions it counts, so the
  watch's floor applies to those mentions rather than to the window alone;
- :class:`SettlesAfterAlerts`: told when an alert ends, so the crisis it summed is no evidence
  of a second one (its alerts then last while windows are above their usual range);
- :class:`ObservesProtectedWindows`: moves its sums past a window the watch keeps out of
  ``learn_one``, so it sees how long a crisis lasts without learning any of it as normal;
- :class:`JudgesPartialWindows`: scores a window still open against what is expected of its elapsed
  part, learning nothing (a flood shows long before its window closes).

A detector declares its abilities by registering with these protocols (``@KnowsUsualRange.register``
on its class: river's estimators have a metaclass of their own, so they cannot subclass a protocol),
and the watch reads them off it once, when it is built (``isinstance``). River's own detectors have
none of them and are watched by their score alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Evidence:
    """The span that gives a rise away: its length, what was counted there, what was expected, how rare."""

    seconds: float
    observed: float
    expected: float
    dispersion: float
    score: float


@runtime_checkable
class KnowsUsualRange(Protocol):
    """A detector that says what is usual for a window like ``x``."""

    def usual_range(self, x: dict) -> tuple[float, float, float]:
        """``(usual, usual_low, usual_high)`` for ``x`` as for ``score_one``."""
        ...


@runtime_checkable
class GivesEvidence(Protocol):
    """A detector whose score is that of the most telling of several spans, and says which."""

    def evidence(self, x: dict) -> Evidence:
        """The most telling span for ``x``; its ``score`` is ``score_one(x)``."""
        ...


@runtime_checkable
class SettlesAfterAlerts(Protocol):
    """A detector that sums windows over hours and starts its sums afresh when an alert ends."""

    def settle(self) -> None: ...


@runtime_checkable
class ObservesProtectedWindows(Protocol):
    """A detector that moves its sums past a window it must not learn as normal."""

    def observe_one(self, x: dict) -> None:
        """``x`` as for ``learn_one``; nothing of it is learnt as normal."""
        ...


@dataclass(frozen=True)
class PartialEvidence:
    """How rare the count so far is, and what was expected of the elapsed part of the window."""

    score: float
    usual: float
    usual_low: float
    usual_high: float


@runtime_checkable
class JudgesPartialWindows(Protocol):
    """A detector that scores the first ``seconds`` of a window still open, with the same baseline
    its closed-window score uses; the closed window is judged and learnt as always."""

    def partial_evidence(self, x: dict, seconds: float) -> PartialEvidence:
        """``x`` as for ``score_one`` (the count or share so far); ``seconds`` of the window elapsed."""
        ...
