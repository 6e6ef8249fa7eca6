"""Incidents and their lifecycle: open, escalate or update, resolve.

One incident per brand and signal at a time. Its dedup key comes from those
labels only, never from a time, so every worker, retry and notifier agrees on
which incident a window belongs to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from badbuzz.alerts.context import IncidentContext
from badbuzz.alerts.i18n import N_, _, number, percent
from badbuzz.vocabulary.records import WindowCount
from badbuzz.vocabulary.signals import Judgement, Severity, Signal

#: An open incident is re-announced when its value grows by this factor since the last announcement.
NOTABLE_GROWTH = 1.5


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Action(StrEnum):
    """What a person can do about an incident (Slack buttons, the API)."""

    ACKNOWLEDGE = "acknowledge"
    ESCALATE = "escalate"
    FALSE_POSITIVE = "false_positive"
    REAL_CRISIS = "real_crisis"


class Change(StrEnum):
    """What happened to an incident: each change is one notification."""

    OPENED = "opened"
    ESCALATED = "escalated"
    UPDATED = "updated"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED_TO_PR = "escalated_to_pr"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Reading(BaseModel):
    """The signal's value in one window, and its anomaly score."""

    model_config = ConfigDict(frozen=True)

    value: float
    score: float
    window_start: datetime
    window_end: datetime


class Incident(BaseModel):
    """A brand's signal deviating from its baseline, as the humans are told about it."""

    model_config = ConfigDict(frozen=True)

    brand: str
    signal: Signal
    status: IncidentStatus
    severity: Severity
    revision: int
    opened_at: datetime
    resolved_at: datetime | None = None
    current: Reading
    peak: Reading
    usual: float
    usual_low: float
    usual_high: float
    window_seconds: int
    context: IncidentContext = IncidentContext()
    acknowledged_by: str | None = None
    escalated_by: str | None = Field(None, description="Who pulled the PR team in.")
    verdict: Action | None = Field(None, description="REAL_CRISIS or FALSE_POSITIVE, once someone said so.")
    verdict_by: str | None = Field(None, description="Who gave the verdict.")

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.brand, self.signal)

    @property
    def ref(self) -> str:
        """This incident, as opposed to its dedup key, which every incident of a brand's signal shares."""
        return f"{self.dedup_key}@{self.opened_at.isoformat()}"

    @property
    def duration(self) -> timedelta:
        return (self.resolved_at or self.current.window_end) - self.opened_at

    def lasted(self) -> str:
        """E.g. ``"25 min"``."""
        return _span(self.duration)

    def what_spiked(self, reading: Reading | None = None) -> str:
        """E.g. ``"142 negative mentions in 1 min"`` or ``"58 % negative in 1 min"``."""
        reading = reading or self.current
        if self.signal.is_share:
            return _("{share} negative in {span}").format(
                share=value_text(self.signal, reading.value), span=_span(self.window_seconds)
            )
        return _("{value} {noun} in {span}").format(
            value=value_text(self.signal, reading.value), noun=noun(self.signal), span=_span(self.window_seconds)
        )

    def baseline_text(self) -> str:
        """E.g. ``"usually 12 (9–15)"``."""
        return _("usually {usual} ({low}–{high})").format(
            usual=value_text(self.signal, self.usual),
            low=value_text(self.signal, self.usual_low),
            high=value_text(self.signal, self.usual_high),
        )

    def share_text(self) -> str | None:
        """E.g. ``"58 % negative, usually 12 %"``: the other half of a bad buzz beside its volume."""
        context = self.context
        if self.signal.is_share or context.usual_negative_share is None or not context.volume:
            return None
        return _("{share} negative, usually {usual}").format(
            share=percent(context.negative_share), usual=percent(context.usual_negative_share)
        )

    def headline(self) -> str:
        if self.status is IncidentStatus.RESOLVED:
            return _("Resolved: {brand} {noun} back to normal after {lasted}").format(
                brand=self.brand, noun=noun(self.signal), lasted=self.lasted()
            )
        return _("{severity}: {brand} {noun} spiking").format(
            severity=severity_text(self.severity).upper(), brand=self.brand, noun=noun(self.signal)
        )

    def summary(self) -> str:
        """One line that says it all, for notification previews and plain-text channels."""
        if self.status is IncidentStatus.RESOLVED:
            return _("{headline}, peak {peak}, {baseline}.").format(
                headline=self.headline(), peak=self.what_spiked(self.peak), baseline=self.baseline_text()
            )
        share = self.share_text()
        text = _("{headline}: {what}, {baseline}").format(
            headline=self.headline(), what=self.what_spiked(), baseline=self.baseline_text()
        )
        return _("{text}; {share}.").format(text=text, share=share) if share else text + "."


#: The signals' nouns, as the sentences of every language say them.
NOUNS = {
    Signal.VOLUME: N_("mentions"),
    Signal.NEGATIVE_VOLUME: N_("negative mentions"),
    Signal.NEGATIVE_SHARE: N_("negative share"),
    Signal.NEGATIVE_REACH: N_("people reached by negative mentions"),
}
SEVERITIES = {Severity.INFO: N_("info"), Severity.WARNING: N_("warning"), Severity.CRITICAL: N_("critical")}


def noun(signal: Signal) -> str:
    return _(NOUNS[signal])


def severity_text(severity: Severity) -> str:
    return _(SEVERITIES[severity])


def value_text(signal: Signal, value: float) -> str:
    """A signal's value in the current language: ``"58 %"`` for a share, ``"1,204"`` for a count."""
    return percent(round(value, 2)) if signal.is_share else number(round(value))


class IncidentEvent(BaseModel):
    """A change to an incident: the message that travels to the notifiers."""

    model_config = ConfigDict(frozen=True)

    change: Change
    incident: Incident


class IncidentFeedback(BaseModel):
    """A person's action on an incident, kept on a topic: the detectors learn from verdicts."""

    model_config = ConfigDict(frozen=True)

    dedup_key: str
    opened_at: datetime
    action: Action
    user: str
    at: datetime

    @field_validator("dedup_key")
    @classmethod
    def _names_an_incident(cls, value: str) -> str:
        parse_dedup_key(value)
        return value


class IncidentState(BaseModel):
    """What the tracker keeps per dedup key between windows."""

    model_config = ConfigDict(frozen=True)

    incident: Incident | None = None
    announced_value: float = 0.0


def dedup_key(brand: str, signal: Signal) -> str:
    """``brand/signal``: the labels that name an incident, and never a time."""
    return f"{brand}/{signal}"


def parse_dedup_key(key: str) -> tuple[str, Signal]:
    """The brand and signal a dedup key names; :class:`ValueError` for anything else.

    >>> parse_dedup_key("acme/negative_share")
    ('acme', <Signal.NEGATIVE_SHARE: 'negative_share'>)
    """
    brand, _, signal = key.rpartition("/")
    if not brand or signal not in set(Signal):
        raise ValueError(f"not an incident's dedup key: {key!r} (want brand/signal)")
    return brand, Signal(signal)


def parse_incident_ref(ref: str) -> tuple[str, datetime]:
    """The dedup key and opening time of an :attr:`Incident.ref`; :class:`ValueError` for anything else.

    >>> parse_incident_ref("acme/volume@2026-03-29T01:58:00+00:00")
    ('acme/volume', datetime.datetime(2026, 3, 29, 1, 58, tzinfo=datetime.timezone.utc))
    """
    key, _, opened = ref.rpartition("@")
    parse_dedup_key(key)
    opened_at = datetime.fromisoformat(opened)
    if opened_at.tzinfo is None:
        raise ValueError(f"no time zone in {ref!r}")
    return key, opened_at


class IncidentTracker:
    """Turns per-window judgements into incident changes.

    The watch decides when an alert opens and when it ends (its hysteresis is tested
    by the benchmark); the tracker turns that into one incident per alert: opened,
    escalated when the severity rises, updated when the value grows notably, and
    resolved, with its duration and peak.
    """

    def step(
        self,
        state: IncidentState,
        signal: Signal,
        window: WindowCount,
        judgement: Judgement,
        context: IncidentContext,
    ) -> tuple[IncidentState, IncidentEvent | None]:
        reading = Reading(
            value=judgement.value, score=judgement.score, window_start=window.start, window_end=window.end
        )
        incident = state.incident
        if incident is None:
            if not judgement.opens:
                return state, None
            assert judgement.severity is not None
            opened = Incident(
                brand=window.brand,
                signal=signal,
                status=IncidentStatus.OPEN,
                severity=judgement.severity,
                revision=1,
                opened_at=window.start,
                current=reading,
                peak=reading,
                usual=judgement.usual,
                usual_low=judgement.usual_low,
                usual_high=judgement.usual_high,
                window_seconds=int((window.end - window.start).total_seconds()),
                context=context,
            )
            return IncidentState(incident=opened, announced_value=reading.value), IncidentEvent(
                change=Change.OPENED, incident=opened
            )
        if judgement.resolves or not judgement.alerting:
            resolved = incident.model_copy(
                update={
                    "status": IncidentStatus.RESOLVED,
                    "resolved_at": window.end,
                    "revision": incident.revision + 1,
                    "current": reading,
                    "context": context,
                }
            )
            return IncidentState(), IncidentEvent(change=Change.RESOLVED, incident=resolved)
        return self._continue(state, incident, reading, judgement, context)

    def _continue(
        self, state: IncidentState, incident: Incident, reading: Reading, judgement: Judgement, context: IncidentContext
    ) -> tuple[IncidentState, IncidentEvent | None]:
        severity = judgement.severity
        escalated = severity is not None and severity.rank > incident.severity.rank
        grew = reading.value >= NOTABLE_GROWTH * state.announced_value
        change = Change.ESCALATED if escalated else Change.UPDATED if grew else None
        updated = incident.model_copy(
            update={
                "current": reading,
                "peak": reading if reading.value > incident.peak.value else incident.peak,
                "severity": severity if escalated else incident.severity,
                "revision": incident.revision + (change is not None),
                # What the humans see is what they were last told, until the next announcement.
                "context": context if change is not None else incident.context,
            }
        )
        new_state = IncidentState(
            incident=updated, announced_value=reading.value if change is not None else state.announced_value
        )
        return new_state, IncidentEvent(change=change, incident=updated) if change is not None else None


def _span(duration: timedelta | int) -> str:
    seconds = int(duration.total_seconds() if isinstance(duration, timedelta) else duration)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
