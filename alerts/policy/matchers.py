"""Label matchers as Alertmanager writes them, over an incident's labels.

An incident's labels are what routes, inhibit rules and silences select on.
A label an incident lacks reads as the empty string, so ``team=""`` selects
the brands without a team, as in Alertmanager.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import core_schema

from badbuzz.alerts.incidents import Action, Incident
from badbuzz.vocabulary.signals import Severity, Signal

#: The labels of an incident, and the values those with a closed set may take.
LABELS: dict[str, frozenset[str] | None] = {
    "brand": None,
    "team": None,
    "signal": frozenset(Signal),
    "severity": frozenset(Severity),
    "status": frozenset({"open", "resolved"}),
    "acknowledged": frozenset({"true", "false"}),
    "escalated": frozenset({"true", "false"}),
    "verdict": frozenset({"", Action.REAL_CRISIS, Action.FALSE_POSITIVE}),
}


def incident_labels(incident: Incident, team: str | None) -> dict[str, str]:
    """What routes, inhibit rules and silences see of an incident.

    ``escalated`` is ``"true"`` once a person pulled the PR team in, so a route can
    send those incidents to the PR team's receiver.
    """
    return {
        "brand": incident.brand,
        "team": team or "",
        "signal": str(incident.signal),
        "severity": str(incident.severity),
        "status": str(incident.status),
        "acknowledged": _flag(incident.acknowledged_by is not None),
        "escalated": _flag(incident.escalated_by is not None),
        "verdict": str(incident.verdict or ""),
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"


class MatchOp(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$')


class Matcher:
    """One condition on one label: ``severity="critical"``, ``brand=~"acme|globex"``, ``team!=""``.

    Regular expressions are anchored at both ends, as in Alertmanager.

    >>> Matcher.parse('brand=~"acme|glob.*"').matches({"brand": "globex"})
    True
    >>> Matcher.parse('team!=""').matches({"brand": "acme"})
    False
    >>> Matcher.parse('serverity="critical"')
    Traceback (most recent call last):
    ...
    ValueError: unknown label 'serverity' in matcher 'serverity="critical"'; labels are acknowledged, brand, ...
    """

    __slots__ = ("label", "op", "value", "_regex")

    def __init__(self, label: str, op: MatchOp, value: str) -> None:
        text = f'{label}{op}"{value}"'
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r} in matcher {text!r}; labels are {', '.join(sorted(LABELS))}")
        allowed = LABELS[label]
        if allowed is not None and op in (MatchOp.EQUAL, MatchOp.NOT_EQUAL) and value not in allowed:
            raise ValueError(f"{label} is never {value!r} in matcher {text!r}; it is one of {sorted(allowed)}")
        self.label = label
        self.op = op
        self.value = value
        self._regex: re.Pattern[str] | None = None
        if op in (MatchOp.REGEX, MatchOp.NOT_REGEX):
            try:
                self._regex = re.compile(f"(?:{value})")
            except re.error as error:
                raise ValueError(f"bad regular expression in matcher {text!r}: {error}") from error

    @classmethod
    def parse(cls, text: str) -> Matcher:
        found = _MATCHER.match(text)
        if found is None:
            raise ValueError(
                f'bad matcher {text!r}; write label="value", label!="value", label=~"regex" or label!~"regex"'
            )
        label, op, quoted, bare = found.groups()
        value = bare if quoted is None else re.sub(r"\\(.)", r"\1", quoted)
        return cls(label, MatchOp(op), value)

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self._regex is not None:
            return (self._regex.fullmatch(actual) is not None) == (self.op is MatchOp.REGEX)
        return (actual == self.value) == (self.op is MatchOp.EQUAL)

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.label}{self.op}"{escaped}"'

    def __repr__(self) -> str:
        return f"Matcher.parse({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Matcher) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            lambda value: value if isinstance(value, Matcher) else cls.parse(value),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
            json_schema_input_schema=core_schema.str_schema(),
        )


def matches_all(matchers: list[Matcher], labels: dict[str, str]) -> bool:
    return all(matcher.matches(labels) for matcher in matchers)


_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: object) -> object:
    """Prometheus-style durations: ``"30s"``, ``"5m"``, ``"4h"``, ``"1h30m"``, ``"2d"``.

    >>> parse_duration("1h30m")
    datetime.timedelta(seconds=5400)
    >>> parse_duration("5 minutes")
    Traceback (most recent call last):
    ...
    ValueError: bad duration '5 minutes'; write e.g. 30s, 5m, 4h, 1h30m or 2d
    """
    if not isinstance(value, str):
        return value
    found = _DURATION.match(value.strip())
    if not value.strip() or found is None:
        raise ValueError(f"bad duration {value!r}; write e.g. 30s, 5m, 4h, 1h30m or 2d")
    return timedelta(seconds=sum(int(n) * s for n, s in zip(found.groups(), _UNITS.values(), strict=True) if n))


def format_duration(duration: timedelta) -> str:
    """The shortest text :func:`parse_duration` reads back.

    >>> format_duration(timedelta(hours=1, minutes=30)), format_duration(timedelta(0))
    ('1h30m', '0s')
    """
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


#: A duration written as Prometheus does, e.g. ``"5m"``.
Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)]
