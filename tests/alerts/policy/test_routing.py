"""The routing tree: matchers, nesting, continue, inheritance, and the errors a typo gets."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from pydantic import ValidationError

from badbuzz.alerts.incidents import Action
from badbuzz.alerts.policy.matchers import incident_labels
from badbuzz.alerts.policy.routing import RoutingConfig
from badbuzz.vocabulary.signals import Severity, Signal
from tests.alerts.factories import incident
from tests.layout import ROOT

EXAMPLE = ROOT / "examples" / "routing.yaml"
RECEIVERS = ["slack-community", "slack-beauty", "slack-food", "slack-pr", "pagerduty-oncall", "email-managers"]
INFO, W, C = Severity.INFO, Severity.WARNING, Severity.CRITICAL


@pytest.fixture(scope="module")
def example() -> RoutingConfig:
    return RoutingConfig.from_yaml(EXAMPLE, receivers=RECEIVERS)


def receivers(routing: RoutingConfig, brand: str, severity: Severity, *, escalated: bool = False) -> list[str]:
    subject = incident(brand, severity=severity, escalated_by="alice" if escalated else None)
    return [match.receiver for match in routing.matches(incident_labels(subject, routing.team_of(brand)))]


@pytest.mark.parametrize(
    ("brand", "severity", "escalated", "expected"),
    [
        # A team's warning: its channel only, the root's default replaced by the matching child.
        ("acme", W, False, ["slack-beauty"]),
        # Critical: paged (continue), then the team's subtree: managers by email (continue) and the channel.
        ("acme", C, False, ["pagerduty-oncall", "email-managers", "slack-beauty"]),
        # Escalated to PR by a person: the PR channel too.
        ("acme", W, True, ["slack-pr", "slack-beauty"]),
        ("acme", C, True, ["pagerduty-oncall", "slack-pr", "email-managers", "slack-beauty"]),
        ("globex", INFO, False, ["slack-food"]),
        # No team: the catch-all keeps the default channel, critical or not.
        ("initech", W, False, ["slack-community"]),
        ("initech", C, False, ["pagerduty-oncall", "slack-community"]),
        # An unknown brand has no team either.
        ("hooli", C, True, ["pagerduty-oncall", "slack-pr", "slack-community"]),
    ],
)
def test_the_example_routes_by_team_severity_and_escalation(example, brand, severity, escalated, expected):
    assert receivers(example, brand, severity, escalated=escalated) == expected


def test_children_inherit_timings_and_quiet_hours_unless_they_set_them(example):
    by_receiver = {
        m.receiver: m.timing for m in example.matches(incident_labels(incident("globex", severity=C), "food"))
    }
    page, food = by_receiver["pagerduty-oncall"], by_receiver["slack-food"]
    assert (page.group_wait, page.critical_group_wait, page.group_interval, page.repeat_interval) == (
        timedelta(seconds=30),
        timedelta(seconds=10),
        timedelta(minutes=5),
        timedelta(minutes=30),
    )
    assert page.mute_when == ()
    assert (food.group_wait, food.critical_group_wait, food.repeat_interval, food.mute_when) == (
        timedelta(seconds=30),
        timedelta(0),
        timedelta(hours=4),
        ("night", "weekend"),
    )
    assert (food.first_wait(C), food.first_wait(W)) == (timedelta(0), timedelta(seconds=30))
    beauty = example.matches(incident_labels(incident("acme"), "beauty"))[0].timing
    assert beauty.mute_when == ("night",)


def test_the_example_knows_its_brands_zones_and_receivers(example):
    assert str(example.zone_of("acme")) == "Europe/Paris"
    assert str(example.zone_of("initech")) == "UTC"
    assert example.receivers() == set(RECEIVERS)


def routing(tree: dict, **top) -> RoutingConfig:
    return RoutingConfig.model_validate({"route": tree, **top})


def test_regex_list_and_negative_matchers():
    config = routing(
        {
            "receiver": "default",
            "routes": [
                {"matchers": ['brand=~"ac.*"', 'signal!="volume"'], "receiver": "negative-acme"},
                {"match": {"brand": ["globex", "initech"]}, "receiver": "listed"},
                {"matchers": ['verdict!~"false_positive|real_crisis"', 'severity="critical"'], "receiver": "unjudged"},
            ],
        }
    )

    def route(brand: str, signal: Signal = Signal.VOLUME, severity: Severity = W, verdict=None) -> str:
        subject = incident(brand, signal, severity, verdict=verdict)
        return [m.receiver for m in config.matches(incident_labels(subject, None))][0]

    assert route("acme", Signal.NEGATIVE_SHARE) == "negative-acme"
    assert route("acme") == "default"  # volume fails the second matcher of the first route
    assert route("xacme", Signal.NEGATIVE_SHARE) == "default"  # regexes are anchored
    assert route("initech") == "listed"
    assert route("hooli", severity=C) == "unjudged"
    assert route("hooli", severity=C, verdict=Action.REAL_CRISIS) == "default"


def test_without_continue_the_first_matching_sibling_wins():
    config = routing(
        {
            "receiver": "default",
            "routes": [
                {"match": {"severity": "critical"}, "receiver": "first"},
                {"match": {"brand": "acme"}, "receiver": "second"},
            ],
        }
    )
    assert [m.receiver for m in config.matches(incident_labels(incident(severity=C), None))] == ["first"]


def test_a_receiver_reached_twice_gets_one_match_with_the_first_routes_timing():
    config = routing(
        {
            "receiver": "slack",
            "routes": [
                {"match": {"brand": "acme"}, "receiver": "slack", "group_wait": "1s", "continue": True},
                {"receiver": "slack", "group_wait": "2m"},
            ],
        }
    )
    (match,) = config.matches(incident_labels(incident(), None))
    assert match.timing.group_wait == timedelta(seconds=1)


def test_broadcast_sends_every_incident_to_every_receiver():
    config = RoutingConfig.broadcast(["console", "slack"])
    assert [m.receiver for m in config.matches(incident_labels(incident(severity=INFO), None))] == ["console", "slack"]


def test_the_config_round_trips_through_json():
    config = RoutingConfig.from_yaml(EXAMPLE)
    assert RoutingConfig.model_validate_json(config.model_dump_json(by_alias=True)) == config


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"route": {"receiver": "x", "group_wait": "5 minutes"}}, "bad duration '5 minutes'"),
        ({"route": {"receiver": "x", "group_interval": "0s"}}, "must be longer than 0s"),
        ({"route": {"receiver": "x", "routes": [{"matchers": ['brand=~"(acme"']}]}}, "bad regular expression"),
        ({"route": {"receiver": "x", "routes": [{"matchers": ['serverity="critical"']}]}}, "unknown label 'serverity'"),
        ({"route": {"receiver": "x", "routes": [{"match": {"severity": "crit"}}]}}, "severity is never 'crit'"),
        ({"route": {"receiver": "x", "routes": [{"matchers": ["brand acme"]}]}}, "bad matcher 'brand acme'"),
        ({"route": {"receiver": "x"}, "brands": {"acme": {"timezone": "Europe/Pariss"}}}, "unknown time zone"),
        ({"route": {"receiver": "x"}, "default_timezone": "CEST"}, "unknown time zone 'CEST'"),
        ({"route": {"receiver": "x", "mute_when": ["nigth"]}}, "unknown quiet hours 'nigth'"),
        ({"route": {}}, "the root route needs a receiver"),
        ({"route": {"receiver": "x", "match": {"brand": "acme"}}}, "the root route matches every incident"),
        ({"route": {"receiver": "x", "routes": [{"group_wait": "1s", "recevier": "y"}]}}, "recevier"),
        (
            {
                "route": {"receiver": "x"},
                "quiet_hours": {"night": {"start": "22:00", "end": "07:00", "max_severity": "critical"}},
            },
            "quiet hours never hold critical incidents",
        ),
        (
            {
                "route": {"receiver": "x"},
                "inhibit_rules": [{"source_matchers": [], "target_matchers": [], "equal": []}],
            },
            "equal must list brand",
        ),
    ],
)
def test_mistakes_get_clear_messages(config, message):
    with pytest.raises(ValidationError, match=message):
        RoutingConfig.model_validate(config)


def test_unknown_receivers_are_named(tmp_path):
    path = tmp_path / "routing.yaml"
    config = yaml.safe_load(EXAMPLE.read_text())
    config["route"]["routes"][0]["receiver"] = "pagerduty"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(ValueError, match="unknown receivers pagerduty; configured receivers: email-managers, "):
        RoutingConfig.from_yaml(path, receivers=RECEIVERS)
