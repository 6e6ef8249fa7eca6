"""From incident changes to notifications, as Alertmanager does it: named stages composed in order.

On an incident change the dispatcher **routes** it (:mod:`badbuzz.alerts.policy.routing`) and
**groups** it: for each receiver the change is routed to, it keeps a *group*,
the incident's changes not yet sent to that receiver and when to send them.
When a group is due, it goes through :data:`Dispatcher.stages`, in order; the
first stage that holds it says why and when to look again, and a group no stage
holds is sent:

* **group** (on the change): a receiver's first notification of a warning waits
  ``group_wait``, so a flap (opened and resolved within it) is never sent and an
  immediate escalation arrives as one critical notification; a critical incident
  waits ``critical_group_wait`` (none by default) and so does a warning that
  turns critical within its wait. Growth updates ("still rising") to a receiver
  are at least ``group_interval`` apart, the latest value winning; escalations,
  resolutions and people's actions (acknowledged, escalated to PR, verdicts) go
  at once;
* **dedup**: a revision a receiver was sent is never sent to it again; with
  nothing new, a still-open incident nobody acknowledged is re-sent to a
  receiver ``repeat_interval`` after the last notification (a reminder). It
  comes first, unlike Alertmanager's, because what it leaves (a change, a
  reminder, or nothing) is what the later stages judge;
* **flap**: an incident over before a receiver heard of it is never sent to it;
* **inhibit**: an open incident of the same brand matching an inhibit rule's
  source (by default a critical one) mutes it;
* **silence**: silences mute what they match while active; a muted group is
  checked again every ``group_interval``, so what a silence held is sent once
  the silence ends if the incident is still open;
* **quiet hours** (``mute_when``, Alertmanager's time mute), in the brand's time
  zone, hold low severities until they end: deferred, never dropped.

An incident change seen twice (a redelivery) is handled once. People's actions
(acknowledged, escalated to PR, confirmed, dismissed) are answers, not noise:
inhibition, silences and quiet hours do not hold them, so the person who
pressed "Escalate to PR" at 3 a.m. sees the PR team told.

Unlike Alertmanager, which drops the resolution of a silenced or inhibited
alert, a resolution always reaches every receiver that was told of the
opening, silenced or not: badbuzz edits the message it sent, and a message
still saying "CRITICAL" after the crisis is over misleads the next person who
reads it. Only quiet hours may hold it (a warning's end can wait for morning).

Everything is a pure function of the state, the event, the silences and the
time passed in. The state is one brand's, because inhibition compares the
incidents of a brand: keep it in a table keyed by brand, fed by a topic keyed
by brand. The per-receiver frequency cap comes after, in
:mod:`badbuzz.alerts.policy.frequency_cap`, keyed by receiver; retries are the delivery's
(:mod:`badbuzz.alerts.notify.delivery`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from badbuzz.alerts.incidents import Change, Incident, IncidentEvent, IncidentStatus, parse_incident_ref
from badbuzz.alerts.notify.delivery import Notification
from badbuzz.alerts.policy.matchers import incident_labels
from badbuzz.alerts.policy.routing import InhibitRule, RoutingConfig, Timing
from badbuzz.alerts.policy.silences import Silences

log = logging.getLogger(__name__)

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

Labels = Callable[[Incident], dict[str, str]]


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
    """Deferred by quiet hours: its resolution is sent, as if the receiver had been told."""

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
        ref = incident.ref
        known = self.incidents.get(ref)
        last = known.revision if known is not None else self.finished.get(ref)
        return last is not None and last >= incident.revision

    def next_wakeup(self) -> datetime | None:
        """When :meth:`Dispatcher.due` has something to do next; ``None`` when nothing waits."""
        return min((group.due for group in self.groups.values() if group.due is not None), default=None)


@dataclass
class Due:
    """A group whose time has come, as the stages see it; the dedup stage sets what it is to send."""

    group: Group
    incident: Incident
    incidents: Iterable[Incident]
    now: datetime
    silences: Silences
    labels_of: Labels
    reminder: int = 0
    """The number of the reminder to send, when there is no change to send."""

    @property
    def ended(self) -> bool:
        return self.incident.status is IncidentStatus.RESOLVED

    @property
    def answer(self) -> bool:
        """A person's action: only dedup and flap may hold it."""
        return self.group.pending in _HUMAN

    @property
    def muteable(self) -> bool:
        """What inhibitions and silences may hold: neither an answer nor the end of what a receiver was told."""
        return not self.answer and not (self.ended and self.group.told)

    @cached_property
    def labels(self) -> dict[str, str]:
        return self.labels_of(self.incident)

    def muted(self) -> datetime | None:
        """When to look again at a muted group: at the next group interval, never once it ended."""
        return None if self.ended else self.now + self.group.timing.group_interval


@dataclass(frozen=True)
class Hold:
    """A stage's answer for a group it keeps back: why, and when to look again (``None``: forget the group)."""

    stage: str
    until: datetime | None
    reason: str
    deferred: bool = field(default=False, kw_only=True)
    """Deferred, not dropped: once it ends the receiver must hear of the incident, even of its end."""


class Stage(Protocol):
    """One job of the dispatcher's: hold a due group back, saying why, or let it go on (``None``)."""

    name: str

    def hold(self, due: Due) -> Hold | None: ...


class DedupStage:
    """What a receiver has is not sent again; with nothing new, an unacknowledged open incident is repeated."""

    name = "dedup"

    def hold(self, due: Due) -> Hold | None:
        group, incident = due.group, due.incident
        if group.pending is not None and group.told and incident.revision <= (group.sent_revision or 0):
            group.pending = None
        if group.pending is not None:
            return None
        if due.ended or not group.told or incident.acknowledged_by is not None:
            return Hold(self.name, None, "nothing new to send")
        assert group.sent_at is not None
        repeat_at = group.sent_at + group.timing.repeat_interval
        if due.now < repeat_at:
            return Hold(self.name, repeat_at, "nothing new before the repeat interval")
        due.reminder = group.reminders + 1
        return None


class FlapStage:
    """An incident over before a receiver heard of it (a flap within the group wait, or muted all along)."""

    name = "flap"

    def hold(self, due: Due) -> Hold | None:
        group = due.group
        if due.ended and not group.told and not group.held:
            return Hold(self.name, None, "over before the receiver heard of it")
        return None


class InhibitStage:
    """An open incident of the brand matching an inhibit rule's source mutes the rule's targets."""

    name = "inhibit"

    def __init__(self, rules: Iterable[InhibitRule], labels_of: Labels) -> None:
        self.rules = tuple(rules)
        self.labels_of = labels_of

    def source(self, target: Incident, labels: dict[str, str], incidents: Iterable[Incident]) -> Incident | None:
        """The open incident that mutes ``target`` (with these ``labels``), by the first rule that applies."""
        others = [
            source
            for source in incidents
            if source.status is IncidentStatus.OPEN and source.dedup_key != target.dedup_key
        ]
        for rule in self.rules:
            for source in others:
                if rule.mutes(self.labels_of(source), labels):
                    return source
        return None

    def hold(self, due: Due) -> Hold | None:
        if not due.muteable:
            return None
        source = self.source(due.incident, due.labels, due.incidents)
        return None if source is None else Hold(self.name, due.muted(), f"inhibited by {source.ref}")


class SilenceStage:
    """An active silence mutes what it matches."""

    name = "silence"

    def hold(self, due: Due) -> Hold | None:
        if not due.muteable:
            return None
        silence = due.silences.muting(due.labels, due.now)
        if silence is None:
            return None
        return Hold(self.name, due.muted(), f"silenced by {silence.created_by} ({silence.id}): {silence.comment}")


class QuietHoursStage:
    """Low severities wait for the end of the route's quiet hours, in the brand's time zone."""

    name = "quiet_hours"

    def __init__(self, routing: RoutingConfig) -> None:
        self.routing = routing

    def until(self, incident: Incident, timing: Timing, now: datetime) -> tuple[str, datetime] | None:
        """The quiet hours holding ``incident`` on a route with this ``timing`` that end last, and when."""
        zone = self.routing.zone_of(incident.brand)
        ends = [
            (end, name)
            for name in timing.mute_when
            if (quiet := self.routing.quiet_hours[name]).holds(incident.severity)
            and (end := quiet.ends_after(now, zone)) is not None
        ]
        if not ends:
            return None
        end, name = max(ends, key=lambda found: found[0])
        return name, end

    def hold(self, due: Due) -> Hold | None:
        if due.answer:
            return None
        quiet = self.until(due.incident, due.group.timing, due.now)
        if quiet is None:
            return None
        name, end = quiet
        return Hold(self.name, end, f"quiet hours {name} until {end.isoformat()}", deferred=True)


class Dispatcher:
    """Applies a :class:`~badbuzz.alerts.policy.routing.RoutingConfig` to one brand's incident changes."""

    def __init__(self, routing: RoutingConfig) -> None:
        self.routing = routing
        self.inhibit = InhibitStage(routing.inhibit_rules, self.labels)
        self.quiet_hours = QuietHoursStage(routing)
        #: What a due group goes through, in order, before it is sent.
        self.stages: tuple[Stage, ...] = (DedupStage(), FlapStage(), self.inhibit, SilenceStage(), self.quiet_hours)

    def labels(self, incident: Incident) -> dict[str, str]:
        """What routes, inhibit rules and silences see of an incident."""
        return incident_labels(incident, self.routing.team_of(incident.brand))

    def on_event(
        self, state: BrandDispatch, event: IncidentEvent, now: datetime, silences: Silences
    ) -> tuple[BrandDispatch, list[Outbound]]:
        """Take in an incident change; return the new state and what is due now (a zero group wait)."""
        now = _utc(now)
        if state.seen(event.incident):
            return state, []
        state = state.model_copy(deep=True)
        self._group(state, event, now)
        return self._flush(state, now, silences)

    def due(self, state: BrandDispatch, now: datetime, silences: Silences) -> tuple[BrandDispatch, list[Outbound]]:
        """What is due by ``now``: call it when :meth:`BrandDispatch.next_wakeup` has passed."""
        now = _utc(now)
        wakeup = state.next_wakeup()
        if wakeup is None or wakeup > now:
            return state, []
        return self._flush(state.model_copy(deep=True), now, silences)

    def _group(self, state: BrandDispatch, event: IncidentEvent, now: datetime) -> None:
        """The group stage: the change into each receiver's group, due after its wait or interval."""
        incident = event.incident
        ref = incident.ref
        state.incidents[ref] = incident
        matched = {match.receiver: match.timing for match in self.routing.matches(self.labels(incident))}
        if incident.status is IncidentStatus.RESOLVED:
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

    def _flush(self, state: BrandDispatch, now: datetime, silences: Silences) -> tuple[BrandDispatch, list[Outbound]]:
        sent: list[Outbound] = []
        ready = sorted((g.due, key) for key, g in state.groups.items() if g.due is not None and g.due <= now)
        for _, key in ready:
            group = state.groups[key]
            incident = state.incidents[group.incident]
            outbound = self._through_stages(Due(group, incident, state.incidents.values(), now, silences, self.labels))
            if outbound is not None:
                sent.append(outbound)
            # A receiver told of an open incident stays on record: its resolution must reach it.
            if group.due is None and not (group.told and incident.status is IncidentStatus.OPEN):
                del state.groups[key]
        self._forget_finished(state)
        return state, sent

    def _through_stages(self, due: Due) -> Outbound | None:
        """Send what the group has, or say when to look again (``group.due``; ``None``: forget the group)."""
        group = due.group
        for stage in self.stages:
            hold = stage.hold(due)
            if hold is not None:
                group.due = hold.until
                group.held = group.held or hold.deferred
                log.debug("%s to %s held by %s: %s", due.incident.ref, group.receiver, hold.stage, hold.reason)
                return None
        change = group.pending or Change.UPDATED
        group.pending = None
        group.sent_revision = due.incident.revision
        group.sent_at = due.now
        group.reminders = due.reminder
        group.held = False
        group.due = None if due.ended else due.now + group.timing.repeat_interval
        return Outbound(
            receiver=group.receiver, event=IncidentEvent(change=change, incident=due.incident), reminder=due.reminder
        )

    @staticmethod
    def _forget_finished(state: BrandDispatch) -> None:
        live = {group.incident for group in state.groups.values()}
        for ref, incident in list(state.incidents.items()):
            if incident.status is IncidentStatus.RESOLVED and ref not in live:
                del state.incidents[ref]
                state.finished = {
                    old: revision
                    for old, revision in state.finished.items()
                    if parse_incident_ref(old)[0] != incident.dedup_key
                }
                state.finished[ref] = incident.revision


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError(f"the dispatcher needs aware times, got {now!r}")
    return now.astimezone(UTC)
