"""The per-receiver cap: excess waits (one per incident, latest state), critical never waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from badbuzz.alerts.incidents import Change
from badbuzz.alerts.policy.dispatch import Outbound
from badbuzz.alerts.policy.frequency_cap import CapState, FrequencyCapper
from badbuzz.alerts.policy.routing import FrequencyCap
from badbuzz.vocabulary.signals import Severity
from tests.alerts.factories import event, incident

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
M = timedelta(minutes=1)
CAPPER = FrequencyCapper({"slack": FrequencyCap(max=2, per=timedelta(hours=1))})


def out(brand: str, revision: int = 1, severity: Severity = Severity.WARNING, receiver: str = "slack") -> Outbound:
    change = Change.OPENED if revision == 1 else Change.UPDATED
    return Outbound(receiver=receiver, event=event(change, incident(brand, severity=severity, revision=revision)))


def offer(state: CapState, outbound: Outbound, at: datetime) -> tuple[CapState, list[str]]:
    state, sent = CAPPER.offer(state, outbound, at)
    state = CapState.model_validate_json(state.model_dump_json())
    return state, [f"{o.event.incident.brand}#{o.event.incident.revision}" for o in sent]


def test_past_the_cap_notifications_wait_for_room_and_keep_only_each_incidents_latest_state():
    state = CapState()
    state, first = offer(state, out("acme"), T0)
    state, second = offer(state, out("globex"), T0 + M)
    state, third = offer(state, out("initech"), T0 + 2 * M)
    state, fourth = offer(state, out("hooli"), T0 + 3 * M)
    state, fifth = offer(state, out("initech", revision=2), T0 + 4 * M)
    assert (first, second, third, fourth, fifth) == (["acme#1"], ["globex#1"], [], [], [])
    # Room comes back when the first send leaves the one-hour window.
    assert state.next_wakeup(CAPPER.caps["slack"]) == T0 + 60 * M
    state, early = CAPPER.due(state, "slack", T0 + 59 * M)
    assert early == []
    state, released = CAPPER.due(state, "slack", T0 + 60 * M)
    assert [(o.event.incident.brand, o.event.incident.revision) for o in released] == [("initech", 2)]
    assert state.next_wakeup(CAPPER.caps["slack"]) == T0 + 61 * M
    state, released = CAPPER.due(state, "slack", T0 + 61 * M)
    assert [o.event.incident.brand for o in released] == ["hooli"]
    assert state.waiting == {} and state.next_wakeup(CAPPER.caps["slack"]) is None


def test_critical_notifications_are_never_held_and_replace_a_waiting_older_state():
    state = CapState()
    for minute, brand in enumerate(["acme", "globex", "initech"]):
        state, _ = offer(state, out(brand), T0 + minute * M)
    assert list(state.waiting) == ["initech/volume@2026-03-02T14:03:00+00:00"]
    state, sent = offer(state, out("initech", revision=2, severity=Severity.CRITICAL), T0 + 5 * M)
    assert sent == ["initech#2"]
    assert state.waiting == {}
    state, sent = offer(state, out("hooli", severity=Severity.CRITICAL), T0 + 6 * M)
    assert sent == ["hooli#1"]


def test_receivers_without_a_cap_pass_freely():
    state = CapState()
    for minute in range(10):
        state, sent = CAPPER.offer(state, out(f"brand{minute}", receiver="pager"), T0 + minute * M)
        assert len(sent) == 1
    assert state == CapState()
