"""A cap on how often one receiver is notified, across every brand.

Past the cap, notifications wait for room in the sliding window instead of
being dropped, one per incident: a later change of a waiting incident replaces
the waiting one, so a receiver over its cap gets each incident's latest state
once there is room. Critical incidents are never held back (they count,
though). State is per receiver: keep it in a table keyed by receiver, fed by a
topic keyed by receiver.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel

from badbuzz.alerts.policy.dispatch import Outbound
from badbuzz.alerts.policy.routing import FrequencyCap
from badbuzz.vocabulary.signals import Severity

_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


class CapState(BaseModel):
    """One receiver's recent sends and its waiting notifications, oldest first."""

    sent_at: list[AwareDatetime] = []
    waiting: dict[str, Outbound] = {}

    def next_wakeup(self, cap: FrequencyCap | None) -> datetime | None:
        """When a waiting notification can go; ``None`` when none waits."""
        if not self.waiting:
            return None
        if cap is None or len(self.sent_at) < cap.max:
            return _LONG_AGO
        # Room comes back when the oldest of the last `max` sends leaves the window.
        return self.sent_at[-cap.max] + cap.per


class FrequencyCapper:
    """Applies the receivers' :class:`~badbuzz.alerts.policy.routing.FrequencyCap`; others pass freely."""

    def __init__(self, caps: dict[str, FrequencyCap]) -> None:
        self.caps = caps

    def offer(self, state: CapState, outbound: Outbound, now: datetime) -> tuple[CapState, list[Outbound]]:
        """Take a dispatcher's notification for its receiver; return the new state and what to send now."""
        cap = self.caps.get(outbound.receiver)
        if cap is None:
            return state, [outbound]
        state = self._recent(state, cap, now)
        ref = outbound.event.incident.ref
        waiting = state.waiting.get(ref)
        if outbound.event.incident.severity is Severity.CRITICAL:
            state.waiting.pop(ref, None)
            state.sent_at.append(now)
            return state, [outbound]
        if waiting is not None:
            if _newer(outbound, waiting):
                state.waiting[ref] = outbound
            return state, []
        if len(state.sent_at) < cap.max:
            state.sent_at.append(now)
            return state, [outbound]
        state.waiting[ref] = outbound
        return state, []

    def due(self, state: CapState, receiver: str, now: datetime) -> tuple[CapState, list[Outbound]]:
        """The waiting notifications there is room for by ``now``."""
        cap = self.caps.get(receiver)
        if cap is None:
            # The cap was lifted by a new configuration: nothing waits any more.
            return CapState(), list(state.waiting.values())
        if not state.waiting:
            return state, []
        state = self._recent(state, cap, now)
        released: list[Outbound] = []
        while state.waiting and len(state.sent_at) < cap.max:
            ref = next(iter(state.waiting))
            released.append(state.waiting.pop(ref))
            state.sent_at.append(now)
        return state, released

    @staticmethod
    def _recent(state: CapState, cap: FrequencyCap, now: datetime) -> CapState:
        now = now.astimezone(UTC)
        return CapState(
            sent_at=[at for at in state.sent_at if at > now - cap.per],
            waiting=dict(state.waiting),
        )


def _newer(candidate: Outbound, waiting: Outbound) -> bool:
    """A later revision replaces a waiting one; a reminder never replaces a change."""
    return candidate.event.incident.revision > waiting.event.incident.revision
