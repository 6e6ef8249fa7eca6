"""From incident changes to notifications, as Alertmanager does it: route, group, inhibit, silence, quiet hours.

For each receiver an incident is routed to, the dispatcher keeps a *group*:
the incident's changes not yet sent to that receiver and when to send them.

* **group wait**: a receiver's first notification of a warning waits
  ``group_wait``, so a flap (opened and resolved within it) is never sent and an
  immediate escalation arrives as one critical notification; a critical incident
  waits ``critical_group_wait`` (none by default) and so does a warning that
  turns critical within its wait;
* **group interval**: growth updates ("still rising") to a receiver are at least
  ``group_interval`` apart, the latest value winning; escalations, resolutions
  and people's actions (acknowledged, escalated to PR, verdicts) go at once;
* **repeat interval**: a still-open incident nobody acknowledged is re-sent to
  a receiver ``repeat_interval`` after the last notification (a reminder);
* **inhibition**: when a group is due, an open incident of the same brand
  matching an inhibit rule's source (by default a critical one) mutes it;
* **silences** mute what they match while active; a muted group is checked
  again every ``group_interval``, so what a silence held is sent once the
  silence ends if the incident is still open;
* **quiet hours** (``mute_when``), in the brand's time zone, hold low
  severities until they end: deferred, never dropped;
* **dedup**: a revision a receiver was sent is never sent to it again, and an
  incident change seen twice (a redelivery) is handled once.

People's actions (acknowledged, escalated to PR, confirmed, dismissed) are
answers, not noise: inhibition, silences and quiet hours do not hold them, so
the person who pressed "Escalate to PR" at 3 a.m. sees the PR team told.

Unlike Alertmanager, which drops the resolution of a silenced or inhibited
alert, a resolution always reaches every receiver that was told of the
opening, silenced or not: badbuzz edits the message it sent, and a message
still saying "CRITICAL" after the crisis is over misleads the next person who
reads it. Only quiet hours may hold it (a warning's end can wait for morning).

Everything is a pure function of the state, the event, the silences and the
time passed in. The state is one brand's, because inhibition compares the
incidents of a brand: keep it in a table keyed by brand, fed by a topic keyed
by brand. The per-receiver frequency cap comes after, in
:mod:`badbuzz.alerts.policy.frequency_cap`, keyed by receiver.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from badbuzz.alerts.incidents import Change, Incident, IncidentEvent, IncidentStatus
from badbuzz.alerts.notify.delivery import Notification
from badbuzz.alerts.policy.matchers import incident_labels, matches_all
from badbuzz.alerts.policy.routing import RoutingConfig, Timing
from badbuzz.alerts.policy.silences import Silences

#: When changes pile up before a receiver hears of them, it is told the weightiest.
_WEIGHT = [
    Change.UPDATED,
    Change.ACKNOWLEDGED,
    Change.CONFIRMED,
    Change.ESCALATED_TO_PR,
    Change.ESCALATED,
    Change.OPENED,
    Change.DISMISSED,
    Change.RESOLVED,
]
#: Changes that do not wait for the group interval: someone must see them now.
_URGENT = frozenset(_WEIGHT) - {Change.UPDATED}
#: A person's answer, not noise: neither inhibition, silences nor quiet hours hold it back.
_HUMAN = frozenset({Change.ACKNOWLEDGED, Change.ESCALATED_TO_PR, Change.CONFIRMED, Change.DISMISSED})


class Outbound(BaseModel):
    """A notification the dispatcher lets out: a change, or the n-th reminder of an unchanged open incident.

    A reminder carries the revision the receiver already has, so a delivery stage
    that skips covered revisions must let ``reminder > 0`` through.
    """

    model_config = ConfigDict(frozen=True)

    receiver: str
    event: IncidentEvent
    reminder: int = 0

    def notification(self) -> Notification:
        return Notification(channel=self.receiver, event=self.event)


class Group(BaseModel):
    """One incident as one receiver hears of it."""

    receiver: str
    incident: str
    timing: Timing
    pending: Change | None = None
    due: AwareDatetime | None = None
    sent_revision: int | None = None
    sent_at: AwareDatetime | None = None
    reminders: int = 0
    held: bool = False

    @property
    def told(self) -> bool:
        return self.sent_revision is not None


class BrandDispatch(BaseModel):
    """What the dispatcher keeps of one brand: its live incidents and their groups."""

    incidents: dict[str, Incident] = {}
    groups: dict[str, Group] = {}
    finished: dict[str, int] = {}
    """The last finished incident of each dedup key, and its last revision: a redelivery of it is ignored."""

    def seen(self, incident: Incident) -> bool:
        ref = incident_ref(incident)
        known = self.incidents.get(ref)
        last = known.revision if known is not None else self.finished.get(ref)
        return last is not None and last >= incident.revision

    def next_wakeup(self) -> datetime | None:
        """When :meth:`Dispatcher.due` has something to do next; ``None`` when nothing waits."""
        return min((group.due for group in self.groups.values() if group.due is not None), default=None)


def incident_ref(incident: Incident) -> str:
    """One incident, as opposed to its dedup key, which every incident of a brand's signal shares."""
    return f"{incident.dedup_key}@{incident.opened_at.isoformat()}"


class Dispatcher:
    """Applies a :class:`~badbuzz.alerts.policy.routing.RoutingConfig` to one brand's incident changes."""

    def __init__(self, routing: RoutingConfig) -> None:
        self.routing = routing

    def on_event(
        self, state: BrandDispatch, event: IncidentEvent, now: datetime, silences: Silences
    ) -> tuple[BrandDispatch, list[Outbound]]:
        """Take in an incident change; return the new state and what is due now (a zero group wait)."""
        now = _utc(now)
        incident = event.incident
        if state.seen(incident):
            return state, []
        ref = incident_ref(incident)
        state = state.model_copy(deep=True)
        state.incidents[ref] = incident
        ended = incident.status is IncidentStatus.RESOLVED
        matched = {match.receiver: match.timing for match in self.routing.matches(self._labels(incident))}
        if ended:
            # The end of an incident reaches whoever heard of its start, wherever it routes now.
            for group in state.groups.values():
                if group.incident == ref and (group.told or group.held):
                    matched.setdefault(group.receiver, group.timing)
        for receiver, timing in matched.items():
            key = f"{receiver}|{ref}"
            group = state.groups.get(key) or Group(receiver=receiver, incident=ref, timing=timing)
            group.timing = timing
            group.pending = max(group.pending or event.change, event.change, key=_WEIGHT.index)
            if not group.told:
                wanted = now + timing.first_wait(incident.severity)
            elif event.change in _URGENT:
                wanted = now
            else:
                assert group.sent_at is not None
                wanted = max(now, group.sent_at + timing.group_interval)
            group.due = wanted if group.due is None else min(group.due, wanted)
            state.groups[key] = group
        return self._flush(state, now, silences)

    def due(self, state: BrandDispatch, now: datetime, silences: Silences) -> tuple[BrandDispatch, list[Outbound]]:
        """What is due by ``now``: call it when :meth:`BrandDispatch.next_wakeup` has passed."""
        now = _utc(now)
        wakeup = state.next_wakeup()
        if wakeup is None or wakeup > now:
            return state, []
        return self._flush(state.model_copy(deep=True), now, silences)

    def _flush(self, state: BrandDispatch, now: datetime, silences: Silences) -> tuple[BrandDispatch, list[Outbound]]:
        sent: list[Outbound] = []
        ready = sorted((g.due, key) for key, g in state.groups.items() if g.due is not None and g.due <= now)
        for _, key in ready:
            group = state.groups[key]
            outbound = self._flush_group(state, group, now, silences)
            if outbound is not None:
                sent.append(outbound)
            incident = state.incidents[group.incident]
            # A receiver told of an open incident stays on record: its resolution must reach it.
            if group.due is None and not (group.told and incident.status is IncidentStatus.OPEN):
                del state.groups[key]
        self._forget_finished(state)
        return state, sent

    @staticmethod
    def _forget_finished(state: BrandDispatch) -> None:
        live = {group.incident for group in state.groups.values()}
        for ref, incident in list(state.incidents.items()):
            if incident.status is IncidentStatus.RESOLVED and ref not in live:
                del state.incidents[ref]
                state.finished = {
                    old: revision
                    for old, revision in state.finished.items()
                    if not old.startswith(f"{incident.dedup_key}@")
                }
                state.finished[ref] = incident.revision

    def _flush_group(self, state: BrandDispatch, group: Group, now: datetime, silences: Silences) -> Outbound | None:
        """Send what the group has, or say when to look again (``group.due``; ``None``: forget the group)."""
        incident = state.incidents[group.incident]
        ended = incident.status is IncidentStatus.RESOLVED
        timing = group.timing
        reminder = 0
        if group.pending is not None and group.told and incident.revision <= (group.sent_revision or 0):
            group.pending = None
        if group.pending is None:
            if ended or not group.told or incident.acknowledged_by is not None:
                group.due = None
                return None
            assert group.sent_at is not None
            if now < group.sent_at + timing.repeat_interval:
                group.due = group.sent_at + timing.repeat_interval
                return None
            reminder = group.reminders + 1
        if ended and not group.told and not group.held:
            # Over before this receiver heard of it: a flap within the group wait, or muted all along.
            group.due = None
            return None
        human = group.pending in _HUMAN
        if not human and not (ended and group.told):
            labels = self._labels(incident)
            if self._inhibited(state, incident, labels) or silences.muting(labels, now) is not None:
                group.due = None if ended else now + timing.group_interval
                return None
        quiet_until = None if human else self._quiet_until(incident, timing, now)
        if quiet_until is not None:
            group.due = quiet_until
            group.held = True
            return None
        change = group.pending or Change.UPDATED
        group.pending = None
        group.sent_revision = incident.revision
        group.sent_at = now
        group.reminders = reminder
        group.held = False
        group.due = None if ended else now + timing.repeat_interval
        return Outbound(
            receiver=group.receiver, event=IncidentEvent(change=change, incident=incident), reminder=reminder
        )

    def _labels(self, incident: Incident) -> dict[str, str]:
        return incident_labels(incident, self.routing.team_of(incident.brand))

    def _inhibited(self, state: BrandDispatch, target: Incident, labels: dict[str, str]) -> bool:
        for rule in self.routing.inhibit_rules:
            if not matches_all(rule.target_matchers, labels):
                continue
            for source in state.incidents.values():
                if source.status is not IncidentStatus.OPEN or source.dedup_key == target.dedup_key:
                    continue
                source_labels = self._labels(source)
                if matches_all(rule.source_matchers, source_labels) and all(
                    source_labels.get(name, "") == labels.get(name, "") for name in rule.equal
                ):
                    return True
        return False

    def _quiet_until(self, incident: Incident, timing: Timing, now: datetime) -> datetime | None:
        zone = self.routing.zone_of(incident.brand)
        ends = [
            end
            for name in timing.mute_when
            if (quiet := self.routing.quiet_hours[name]).holds(incident.severity)
            and (end := quiet.ends_after(now, zone)) is not None
        ]
        return max(ends, default=None)


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError(f"the dispatcher needs aware times, got {now!r}")
    return now.astimezone(UTC)
