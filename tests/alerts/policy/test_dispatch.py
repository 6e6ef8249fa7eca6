"""The dispatcher: grouping timings, inhibition, silences, quiet hours across DST, dedup, resolutions."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from badbuzz.alerts.incidents import Change, Incident
from badbuzz.alerts.policy.dispatch import BrandDispatch, Dispatcher, Outbound
from badbuzz.alerts.policy.matchers import Matcher
from badbuzz.alerts.policy.routing import RoutingConfig
from badbuzz.alerts.policy.silences import Silence, Silences
from badbuzz.vocabulary.signals import Severity, Signal
from tests.alerts.factories import event, incident

INFO, W, C = Severity.INFO, Severity.WARNING, Severity.CRITICAL
T0 = datetime(2026, 3, 2, 14, 3, tzinfo=UTC)
S = timedelta(seconds=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)

TREE = {
    "receiver": "slack",
    "group_wait": "30s",
    "group_interval": "5m",
    "repeat_interval": "4h",
    "routes": [
        {"match": {"severity": "critical"}, "receiver": "pager", "critical_group_wait": "10s", "continue": True},
        {"match": {"escalated": True}, "receiver": "pr", "group_wait": "0s", "continue": True},
        {"receiver": "slack"},
    ],
}


class Run:
    """One brand's dispatcher fed by hand, its state JSON round-tripped at every step as a table would."""

    def __init__(self, routing: RoutingConfig) -> None:
        self.dispatcher = Dispatcher(routing)
        self.state = BrandDispatch()
        self.silences = Silences()
        self.sent: list[tuple[datetime, Outbound]] = []

    def on(self, at: datetime, change: Change, subject: Incident) -> list[Outbound]:
        self.state, out = self.dispatcher.on_event(self.state, event(change, subject), at, self.silences)
        return self._keep(at, out)

    def tick(self, at: datetime) -> list[Outbound]:
        self.state, out = self.dispatcher.due(self.state, at, self.silences)
        return self._keep(at, out)

    def run_until(self, end: datetime) -> list[tuple[datetime, Outbound]]:
        """Call ``due`` at every wake-up up to ``end``, as the worker's timer would."""
        before = len(self.sent)
        while (wakeup := self.state.next_wakeup()) is not None and wakeup <= end:
            self.tick(wakeup)
        return self.sent[before:]

    def _keep(self, at: datetime, out: list[Outbound]) -> list[Outbound]:
        self.state = BrandDispatch.model_validate_json(self.state.model_dump_json())
        self.sent.extend((at, outbound) for outbound in out)
        return out


def brief(out: list[Outbound]) -> list[tuple[str, str, int]]:
    return [(o.receiver, str(o.event.change), o.event.incident.revision) for o in out]


def timeline(sent: list[tuple[datetime, Outbound]]) -> list[tuple[datetime, str, str, str, int]]:
    return [
        (at, o.receiver, o.event.incident.dedup_key, str(o.event.change), o.event.incident.revision) for at, o in sent
    ]


@pytest.fixture
def run() -> Run:
    return Run(RoutingConfig.model_validate({"route": TREE}))


def test_the_first_notification_waits_the_group_wait(run):
    assert run.on(T0, Change.OPENED, incident()) == []
    assert run.state.next_wakeup() == T0 + 30 * S
    assert run.tick(T0 + 29 * S) == []
    assert brief(run.tick(T0 + 30 * S)) == [("slack", "opened", 1)]


def test_a_critical_incident_skips_the_group_wait_where_its_route_sets_none(run):
    assert brief(run.on(T0, Change.OPENED, incident(severity=C))) == [("slack", "opened", 1)]
    assert timeline(run.run_until(T0 + M)) == [(T0 + 10 * S, "pager", "acme/volume", "opened", 1)]


def test_critical_incidents_go_straight_through_by_default_and_warnings_wait():
    run = Run(RoutingConfig.broadcast(["slack"]))
    assert brief(run.on(T0, Change.OPENED, incident(severity=C))) == [("slack", "opened", 1)]
    assert run.on(T0, Change.OPENED, incident(signal=Signal.NEGATIVE_SHARE, severity=W)) == []
    assert run.state.next_wakeup() == T0 + 30 * S


def test_an_escalation_within_the_group_wait_arrives_as_one_critical_notification(run):
    run.on(T0, Change.OPENED, incident())
    # Critical now: the receivers still waiting are told at once, of the opening, at its critical revision.
    assert brief(run.on(T0 + 5 * S, Change.ESCALATED, incident(severity=C, revision=2))) == [("slack", "opened", 2)]
    run.run_until(T0 + H)
    assert timeline(run.sent) == [
        (T0 + 5 * S, "slack", "acme/volume", "opened", 2),
        (T0 + 15 * S, "pager", "acme/volume", "escalated", 2),
    ]
    assert run.sent[0][1].event.incident.severity is C


def test_a_flap_within_the_group_wait_is_never_sent_and_leaves_nothing_behind(run):
    run.on(T0, Change.OPENED, incident())
    run.on(T0 + 20 * S, Change.RESOLVED, incident(revision=2, resolved=True))
    assert run.run_until(T0 + H) == []
    assert run.state.groups == {} and run.state.incidents == {}


def test_updates_are_a_group_interval_apart_and_the_latest_wins(run):
    run.on(T0, Change.OPENED, incident())
    run.run_until(T0 + 30 * S)
    assert run.on(T0 + M, Change.UPDATED, incident(revision=2)) == []
    assert run.on(T0 + 2 * M, Change.UPDATED, incident(revision=3)) == []
    assert run.state.next_wakeup() == T0 + 30 * S + 5 * M
    assert timeline(run.run_until(T0 + H))[-1:] == [(T0 + 30 * S + 5 * M, "slack", "acme/volume", "updated", 3)]
    assert len(run.sent) == 2


def test_escalations_resolutions_and_actions_do_not_wait_the_group_interval(run):
    run.on(T0, Change.OPENED, incident())
    run.run_until(T0 + 30 * S)
    assert brief(run.on(T0 + M, Change.ACKNOWLEDGED, incident(revision=2, acknowledged_by="alice"))) == [
        ("slack", "acknowledged", 2)
    ]
    escalated = incident(severity=C, revision=3, acknowledged_by="alice")
    assert brief(run.on(T0 + 2 * M, Change.ESCALATED, escalated)) == [("slack", "escalated", 3)]
    assert brief(run.tick(T0 + 2 * M + 10 * S)) == [("pager", "escalated", 3)]
    resolved = incident(severity=C, revision=4, acknowledged_by="alice", resolved=True)
    assert brief(run.on(T0 + 3 * M, Change.RESOLVED, resolved)) == [("pager", "resolved", 4), ("slack", "resolved", 4)]
    assert run.state.next_wakeup() is None and run.state.groups == {}


def test_an_escalation_to_pr_reaches_the_pr_receiver_at_once(run):
    run.on(T0, Change.OPENED, incident())
    run.run_until(T0 + 30 * S)
    pulled_in = incident(revision=2, acknowledged_by="bob", escalated_by="bob")
    assert brief(run.on(T0 + M, Change.ESCALATED_TO_PR, pulled_in)) == [
        ("pr", "escalated_to_pr", 2),
        ("slack", "escalated_to_pr", 2),
    ]


def test_an_open_unacknowledged_incident_is_repeated_until_someone_acknowledges(run):
    run.on(T0, Change.OPENED, incident())
    first = T0 + 30 * S
    sent = run.run_until(first + 9 * H)
    assert [(at, o.reminder, o.event.incident.revision) for at, o in sent] == [
        (first, 0, 1),
        (first + 4 * H, 1, 1),
        (first + 8 * H, 2, 1),
    ]
    run.on(first + 8 * H + M, Change.ACKNOWLEDGED, incident(revision=2, acknowledged_by="alice"))
    assert run.run_until(first + 48 * H) == []
    # Still on record, so that its resolution reaches the receiver.
    assert brief(run.on(first + 49 * H, Change.RESOLVED, incident(revision=3, resolved=True))) == [
        ("slack", "resolved", 3)
    ]


def test_a_redelivered_change_is_handled_once(run):
    opened = incident()
    run.on(T0, Change.OPENED, opened)
    run.run_until(T0 + M)
    assert run.on(T0 + M, Change.OPENED, opened) == []
    assert run.run_until(T0 + H) == []
    run.on(T0 + H, Change.RESOLVED, incident(revision=2, resolved=True))
    # Even once the incident is over and forgotten, its old changes are recognised.
    assert run.on(T0 + H + M, Change.OPENED, opened) == []
    assert run.state.next_wakeup() is None
    assert len(run.sent) == 2


def test_a_new_incident_of_the_same_signal_starts_afresh(run):
    run.on(T0, Change.OPENED, incident())
    run.run_until(T0 + M)
    run.on(T0 + H, Change.RESOLVED, incident(revision=2, resolved=True))
    later = T0 + 2 * H
    run.on(later, Change.OPENED, incident(opened_at=later))
    assert timeline(run.run_until(later + M))[-1] == (later + 30 * S, "slack", "acme/volume", "opened", 1)


def test_the_resolution_reaches_a_receiver_the_incident_no_longer_routes_to():
    run = Run(
        RoutingConfig.model_validate(
            {
                "route": {
                    "receiver": "slack",
                    "group_wait": "0s",
                    "routes": [
                        {"match": {"acknowledged": False}, "receiver": "pager", "continue": True},
                        {"receiver": "slack"},
                    ],
                }
            }
        )
    )
    assert brief(run.on(T0, Change.OPENED, incident())) == [("pager", "opened", 1), ("slack", "opened", 1)]
    assert brief(run.on(T0 + M, Change.ACKNOWLEDGED, incident(revision=2, acknowledged_by="al"))) == [
        ("slack", "acknowledged", 2)
    ]
    resolved = incident(revision=3, acknowledged_by="al", resolved=True)
    assert brief(run.on(T0 + 2 * M, Change.RESOLVED, resolved)) == [("pager", "resolved", 3), ("slack", "resolved", 3)]


# Inhibition


def test_a_critical_incident_mutes_the_warnings_of_its_brand_until_it_resolves(run):
    share = incident(signal=Signal.NEGATIVE_SHARE)
    run.on(T0, Change.OPENED, share)
    run.on(T0, Change.OPENED, incident(severity=C))
    run.on(T0, Change.OPENED, incident("globex"))
    run.run_until(T0 + 6 * M)
    assert {(o.receiver, o.event.incident.dedup_key) for _, o in run.sent} == {
        ("pager", "acme/volume"),
        ("slack", "acme/volume"),
        ("slack", "globex/volume"),
    }
    run.on(T0 + 7 * M, Change.RESOLVED, incident(severity=C, revision=2, resolved=True))
    # The muted warning is checked every group interval: sent at the first check after the crisis is over.
    assert timeline(run.run_until(T0 + H))[-1] == (T0 + 30 * S + 10 * M, "slack", "acme/negative_share", "opened", 1)


def test_inhibition_holds_updates_but_not_peoples_actions_nor_the_resolution(run):
    share = Signal.NEGATIVE_SHARE
    run.on(T0, Change.OPENED, incident(signal=share))
    run.run_until(T0 + M)
    run.on(T0 + M, Change.OPENED, incident(severity=C))
    run.run_until(T0 + 2 * M)
    pulled_in = incident(signal=share, revision=2, escalated_by="bob")
    assert brief(run.on(T0 + 3 * M, Change.ESCALATED_TO_PR, pulled_in)) == [
        ("pr", "escalated_to_pr", 2),
        ("slack", "escalated_to_pr", 2),
    ]
    run.on(T0 + 4 * M, Change.UPDATED, incident(signal=share, revision=3, escalated_by="bob"))
    assert [o for _, o in run.run_until(T0 + 20 * M) if o.event.incident.dedup_key == "acme/negative_share"] == []
    resolved = incident(signal=share, revision=4, escalated_by="bob", resolved=True)
    assert brief(run.on(T0 + 21 * M, Change.RESOLVED, resolved)) == [("pr", "resolved", 4), ("slack", "resolved", 4)]


def test_custom_inhibit_rules_compare_the_equal_labels():
    config = RoutingConfig.model_validate(
        {
            "route": {"receiver": "slack", "group_wait": "0s"},
            "brands": {"acme": {"team": "beauty"}, "globex": {"team": "beauty"}},
            "inhibit_rules": [
                {
                    "source_matchers": ['signal="negative_share"'],
                    "target_matchers": ['signal="volume"'],
                    "equal": ["brand", "team"],
                }
            ],
        }
    )
    run = Run(config)
    run.on(T0, Change.OPENED, incident("acme", Signal.NEGATIVE_SHARE, INFO))
    # A critical volume incident is muted too: this rule says nothing of severities.
    assert run.on(T0, Change.OPENED, incident("acme", Signal.VOLUME, C)) == []
    assert brief(run.on(T0, Change.OPENED, incident("acme", Signal.NEGATIVE_REACH, W))) == [("slack", "opened", 1)]


# Silences


def silence(start: datetime, end: datetime, *matchers: str) -> Silence:
    return Silence(
        matchers=[Matcher.parse(text) for text in matchers],
        starts_at=start,
        ends_at=end,
        created_by="alice",
        comment="Known outage, the status page is up",
    )


def test_a_silence_mutes_until_it_ends_then_what_is_still_open_is_sent(run):
    run.silences = run.silences.add(silence(T0, T0 + H, 'brand="acme"'))
    run.on(T0, Change.OPENED, incident())
    run.on(T0, Change.OPENED, incident("globex"))
    sent = run.run_until(T0 + H + 10 * M)
    assert timeline(sent) == [
        (T0 + 30 * S, "slack", "globex/volume", "opened", 1),
        (T0 + 30 * S + 60 * M, "slack", "acme/volume", "opened", 1),
    ]


def test_the_log_names_the_stage_that_held_a_group_and_why(run, caplog):
    caplog.set_level(logging.DEBUG, logger="badbuzz.alerts.policy.dispatch")
    muting = silence(T0, T0 + H, 'brand="acme"')
    run.silences = run.silences.add(muting)
    run.on(T0, Change.OPENED, incident())
    run.run_until(T0 + M)
    assert caplog.messages == [
        f"acme/volume@{T0.isoformat()} to slack held by silence: "
        f"silenced by alice ({muting.id}): Known outage, the status page is up"
    ]


def test_expiring_a_silence_early_lets_the_next_check_send(run):
    muting = silence(T0, T0 + 24 * H, 'signal="volume"', 'severity!="critical"')
    run.silences = run.silences.add(muting)
    run.on(T0, Change.OPENED, incident())
    assert run.run_until(T0 + 20 * M) == []
    run.silences, _ = run.silences.expire(muting.id, T0 + 21 * M)
    assert timeline(run.run_until(T0 + H)) == [(T0 + 30 * S + 25 * M, "slack", "acme/volume", "opened", 1)]


def test_a_silence_does_not_hold_back_the_resolution_of_an_announced_incident(run):
    run.on(T0, Change.OPENED, incident())
    run.run_until(T0 + M)
    run.silences = run.silences.add(silence(T0 + 2 * M, T0 + 5 * H, 'brand="acme"'))
    run.on(T0 + 3 * M, Change.UPDATED, incident(revision=2))
    assert run.run_until(T0 + 20 * M) == []
    assert brief(run.on(T0 + 21 * M, Change.RESOLVED, incident(revision=3, resolved=True))) == [
        ("slack", "resolved", 3)
    ]


def test_an_incident_silenced_from_start_to_end_is_never_sent(run):
    run.silences = run.silences.add(silence(T0, T0 + 5 * H, 'brand="acme"'))
    run.on(T0, Change.OPENED, incident())
    run.on(T0 + 20 * M, Change.RESOLVED, incident(revision=2, resolved=True))
    assert run.run_until(T0 + 6 * H) == []
    assert run.state.groups == {}


# Quiet hours, in the brand's time zone, across the two DST changes of 2026 in Paris

QUIET = {
    "brands": {"acme": {"timezone": "Europe/Paris"}},
    "quiet_hours": {"night": {"start": "22:00", "end": "07:00", "max_severity": "warning"}},
    "route": {"receiver": "slack", "group_wait": "30s", "mute_when": ["night"]},
}


def paris_quiet() -> Run:
    return Run(RoutingConfig.model_validate(QUIET))


@pytest.mark.parametrize(
    ("opened_utc", "ends_utc"),
    [
        # 23:30 CET on the night clocks go forward: quiet until 07:00 CEST, i.e. 05:00 UTC (8 h later, not 9).
        (datetime(2026, 3, 28, 22, 30, tzinfo=UTC), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        # 02:30 CEST, during the hour that repeats when clocks go back: quiet until 07:00 CET, 06:00 UTC.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
        # The second 02:30 of that night (CET): the same end.
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
        # 21:59 CEST the evening before the clocks go back: not yet quiet.
        (datetime(2026, 10, 24, 19, 59, 29, tzinfo=UTC), datetime(2026, 10, 24, 19, 59, 59, tzinfo=UTC)),
    ],
)
def test_low_severities_wait_for_the_end_of_the_brands_night(opened_utc, ends_utc):
    run = paris_quiet()
    run.on(opened_utc, Change.OPENED, incident(opened_at=opened_utc))
    assert timeline(run.run_until(ends_utc + H)) == [(ends_utc, "slack", "acme/volume", "opened", 1)]


def test_quiet_hours_follow_each_brands_zone():
    run = Run(RoutingConfig.model_validate({**QUIET, "brands": {"acme": {"timezone": "America/New_York"}}}))
    night_in_paris = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 18:30 in New York
    run.on(night_in_paris, Change.OPENED, incident(opened_at=night_in_paris))
    assert timeline(run.run_until(night_in_paris + H)) == [
        (night_in_paris + 30 * S, "slack", "acme/volume", "opened", 1)
    ]


def test_a_critical_incident_is_never_held_and_an_escalation_ends_the_wait():
    run = paris_quiet()
    at = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert brief(run.on(at, Change.OPENED, incident(severity=C, opened_at=at))) == [("slack", "opened", 1)]
    run.on(at, Change.OPENED, incident(signal=Signal.NEGATIVE_SHARE, opened_at=at))
    assert run.run_until(at + M) == []
    escalated = incident(signal=Signal.NEGATIVE_SHARE, severity=C, revision=2, opened_at=at)
    # Its first notification to this receiver: told as an opening, at its new severity.
    (out,) = run.on(at + 10 * M, Change.ESCALATED, escalated)
    assert (out.receiver, out.event.change, out.event.incident.severity) == ("slack", Change.OPENED, C)


def test_what_opened_and_ended_overnight_is_told_in_the_morning_not_dropped():
    run = paris_quiet()
    at = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    run.on(at, Change.OPENED, incident(opened_at=at))
    run.on(at + 2 * H, Change.UPDATED, incident(revision=2, opened_at=at))
    run.on(at + 3 * H, Change.RESOLVED, incident(revision=3, resolved=True, opened_at=at))
    assert timeline(run.run_until(at + 24 * H)) == [
        (datetime(2026, 10, 25, 6, 0, tzinfo=UTC), "slack", "acme/volume", "resolved", 3)
    ]


def test_the_dispatcher_wants_aware_times(run):
    with pytest.raises(ValueError, match="aware"):
        run.on(datetime(2026, 3, 2, 14, 3), Change.OPENED, incident())


def test_a_persons_action_at_night_is_shown_at_once():
    run = paris_quiet()
    evening = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # 21:00 in Paris
    run.on(evening, Change.OPENED, incident(opened_at=evening))
    run.run_until(evening + M)
    night = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert run.on(night, Change.UPDATED, incident(revision=2, opened_at=evening)) == []
    acknowledged = incident(revision=3, acknowledged_by="alice", opened_at=evening)
    assert brief(run.on(night + M, Change.ACKNOWLEDGED, acknowledged)) == [("slack", "acknowledged", 3)]
