"""Routing as code: which receivers hear of an incident, when, and what keeps the noise down.

The tree works as Alertmanager's does. Every incident enters at the root route
and goes down the first child whose matchers all match its labels, then that
child's children, and so on; the deepest matching route sends it to its
receiver. ``continue: true`` on a route lets the search go on to its next
siblings after a match, so one incident can reach several receivers. A route
whose children all fail to match handles the incident itself; a route with a
matching child does not (write a catch-all last child to keep the parent's
receiver too). Children inherit ``receiver``, the three timings and
``mute_when`` from their parent unless they set them.

Labels: ``brand``, ``team`` (from ``brands``), ``signal``, ``severity``,
``status``, ``acknowledged``, ``escalated`` (``"true"`` once a person pulled the
PR team in) and ``verdict``. ``examples/routing.yaml`` is a complete example.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from badbuzz.alerts.policy.matchers import Duration, Matcher, matches_all
from badbuzz.alerts.policy.quiet_hours import QuietHours
from badbuzz.vocabulary.signals import Severity


class Route(BaseModel):
    """A node of the routing tree."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    receiver: str | None = Field(None, description="A receiver's name; the parent's when unset.")
    match: dict[str, str | list[str]] = Field(
        {}, description="Label → value, or list of values any of which matches (e.g. brand: [acme, globex])."
    )
    matchers: list[Matcher] = Field([], description='Alertmanager matchers: severity="critical", brand=~"ac.*".')
    continue_: bool = Field(False, alias="continue", description="Keep looking at the next siblings after a match.")
    group_wait: Duration | None = Field(
        None, description="Wait before a receiver's first notification of a warning or info incident."
    )
    critical_group_wait: Duration | None = Field(
        None,
        description="Wait before a receiver's first notification of a critical incident; 0s by default: a crisis "
        "goes straight through, as Alertmanager users route critical alerts with group_wait 0s.",
    )
    group_interval: Duration | None = Field(None, description="Least time between two updates of one incident.")
    repeat_interval: Duration | None = Field(None, description="Re-send a still-open, unchanged incident this often.")
    mute_when: list[str] | None = Field(None, description="Names of quiet hours during which low severities wait.")
    routes: list[Route] = []

    @field_validator("match", mode="before")
    @classmethod
    def _values_as_text(cls, value: object) -> object:
        # YAML reads `escalated: true` as a boolean; labels are text.
        if isinstance(value, dict):
            return {key: _label_text(item) for key, item in value.items()}
        return value

    @field_validator("group_interval", "repeat_interval")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value

    @model_validator(mode="after")
    def _check_match(self) -> Route:
        for label, values in self.match.items():
            for value in [values] if isinstance(values, str) else values:
                Matcher.parse(f'{label}="{value}"')
        return self

    def selects(self, labels: dict[str, str]) -> bool:
        for label, wanted in self.match.items():
            accepted = [wanted] if isinstance(wanted, str) else wanted
            if labels.get(label, "") not in accepted:
                return False
        return matches_all(self.matchers, labels)

    def walk(self) -> Iterable[Route]:
        yield self
        for child in self.routes:
            yield from child.walk()


def _label_text(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_label_text(item) for item in value]
    return value


class Timing(BaseModel):
    """The timings and quiet hours of the route that matched, as the dispatcher keeps them per receiver."""

    model_config = ConfigDict(frozen=True)

    group_wait: Duration
    group_interval: Duration
    repeat_interval: Duration
    mute_when: tuple[str, ...] = ()
    critical_group_wait: Duration = timedelta(0)

    def first_wait(self, severity: Severity) -> timedelta:
        """How long a receiver's first notification of an incident of this severity waits."""
        return self.critical_group_wait if severity is Severity.CRITICAL else self.group_wait


class Match(BaseModel):
    """A receiver an incident goes to, and how."""

    model_config = ConfigDict(frozen=True)

    receiver: str
    timing: Timing


class BrandRouting(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    team: str | None = Field(None, description="The team label of the brand's incidents.")
    timezone: str | None = Field(None, description="IANA time zone of the brand's quiet hours, e.g. Europe/Paris.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return value if value is None else _check_zone(value)


class FrequencyCap(BaseModel):
    """At most ``max`` notifications per ``per`` to one receiver; critical ones are never held back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max: PositiveInt
    per: Duration


class InhibitRule(BaseModel):
    """While an open incident matches ``source``, incidents matching ``target`` with the same ``equal`` labels wait.

    Incidents are dispatched brand by brand, so ``equal`` must list ``brand``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_matchers: list[Matcher]
    target_matchers: list[Matcher]
    equal: list[str] = ["brand"]

    @field_validator("equal")
    @classmethod
    def _per_brand(cls, value: list[str]) -> list[str]:
        if "brand" not in value:
            raise ValueError("incidents are dispatched brand by brand: an inhibit rule's equal must list brand")
        return value

    def mutes(self, source: dict[str, str], target: dict[str, str]) -> bool:
        """Whether an open incident with the ``source`` labels mutes one with the ``target`` labels."""
        return (
            matches_all(self.target_matchers, target)
            and matches_all(self.source_matchers, source)
            and all(source.get(name, "") == target.get(name, "") for name in self.equal)
        )


#: A critical incident of a brand mutes that brand's warnings and infos; a rise of negative
#: mentions mutes the share and reach incidents of the same buzz, whose figures its message shows.
DEFAULT_INHIBIT_RULES = [
    InhibitRule(
        source_matchers=[Matcher.parse('severity="critical"')],
        target_matchers=[Matcher.parse('severity=~"warning|info"')],
        equal=["brand"],
    ),
    InhibitRule(
        source_matchers=[Matcher.parse('signal="negative_volume"')],
        target_matchers=[Matcher.parse('signal=~"negative_share|negative_reach"')],
        equal=["brand"],
    ),
]

#: A warning waits 30 s before its first notification, so a flap is never sent and an escalation
#: within the wait arrives as one critical notification; a critical incident does not wait.
DEFAULT_TIMING = Timing(
    group_wait=timedelta(seconds=30),
    critical_group_wait=timedelta(0),
    group_interval=timedelta(minutes=5),
    repeat_interval=timedelta(hours=4),
)


class RoutingConfig(BaseModel):
    """The routing tree and the noise controls around it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    route: Route = Route(receiver="console")
    brands: dict[str, BrandRouting] = Field({}, description="Per-brand team and time zone.")
    default_timezone: str = Field("UTC", description="Time zone of the brands that do not name one.")
    quiet_hours: dict[str, QuietHours] = {}
    inhibit_rules: list[InhibitRule] = DEFAULT_INHIBIT_RULES
    frequency_caps: dict[str, FrequencyCap] = Field({}, description="Receiver name → its cap.")

    @field_validator("default_timezone")
    @classmethod
    def _known_default_zone(cls, value: str) -> str:
        return _check_zone(value)

    @model_validator(mode="after")
    def _check_tree(self) -> RoutingConfig:
        if self.route.receiver is None:
            raise ValueError("the root route needs a receiver: the default for incidents no other route takes")
        if self.route.match or self.route.matchers:
            raise ValueError("the root route matches every incident: move its matchers to a child route")
        for route in self.route.walk():
            for name in route.mute_when or ():
                if name not in self.quiet_hours:
                    known = ", ".join(sorted(self.quiet_hours)) or "none defined"
                    raise ValueError(f"mute_when names unknown quiet hours {name!r} (known: {known})")
        return self

    @classmethod
    def broadcast(cls, receivers: Iterable[str]) -> RoutingConfig:
        """Every incident to every receiver: the routing of a deployment that configures none."""
        names = list(receivers)
        if not names:
            raise ValueError("no receiver to route incidents to")
        children = [Route(receiver=name, continue_=True) for name in names]
        return cls(route=Route(receiver=names[0], routes=children))

    @classmethod
    def from_yaml(cls, path: str | Path, receivers: Iterable[str] | None = None) -> RoutingConfig:
        config = cls.model_validate(yaml.safe_load(Path(path).read_text()) or {})
        if receivers is not None:
            config.check_receivers(receivers)
        return config

    def receivers(self) -> set[str]:
        """Every receiver name the routing refers to."""
        return {route.receiver for route in self.route.walk() if route.receiver} | set(self.frequency_caps)

    def check_receivers(self, known: Iterable[str]) -> None:
        """Raise :class:`ValueError` naming every receiver the routing refers to that is not configured."""
        known = set(known)
        unknown = self.receivers() - known
        if unknown:
            raise ValueError(
                f"routing refers to unknown receivers {', '.join(sorted(unknown))}; "
                f"configured receivers: {', '.join(sorted(known)) or 'none'}"
            )

    def team_of(self, brand: str) -> str | None:
        config = self.brands.get(brand)
        return config.team if config else None

    def zone_of(self, brand: str) -> ZoneInfo:
        config = self.brands.get(brand)
        return ZoneInfo(config.timezone if config and config.timezone else self.default_timezone)

    def matches(self, labels: dict[str, str]) -> list[Match]:
        """The receivers an incident with these labels goes to, in tree order, each once."""
        found: dict[str, Match] = {}
        for match in _descend(self.route, labels, DEFAULT_TIMING, self.route.receiver or ""):
            found.setdefault(match.receiver, match)
        return list(found.values())


def _descend(route: Route, labels: dict[str, str], inherited: Timing, receiver: str) -> list[Match]:
    receiver = route.receiver or receiver
    timing = Timing(
        group_wait=_first(route.group_wait, inherited.group_wait),
        critical_group_wait=_first(route.critical_group_wait, inherited.critical_group_wait),
        group_interval=_first(route.group_interval, inherited.group_interval),
        repeat_interval=_first(route.repeat_interval, inherited.repeat_interval),
        mute_when=inherited.mute_when if route.mute_when is None else tuple(route.mute_when),
    )
    found: list[Match] = []
    for child in route.routes:
        if not child.selects(labels):
            continue
        found.extend(_descend(child, labels, timing, receiver))
        if not child.continue_:
            break
    return found or [Match(receiver=receiver, timing=timing)]


def _first(value: timedelta | None, default: timedelta) -> timedelta:
    return default if value is None else value


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/Paris") from error
    return name
