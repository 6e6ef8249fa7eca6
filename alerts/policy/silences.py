"""Silences: a person mutes the incidents matching some labels for a while, saying who and why.

A silence never deletes anything: expiring one ends it now, so what it muted
is sent at the next check if it is still open. Ended silences are kept a while
so that "who muted this, and why" can still be answered, then pruned.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from badbuzz.alerts.policy.matchers import Matcher, matches_all
from badbuzz.vocabulary.errors import BadbuzzError

#: How long an ended silence is kept for the record.
KEEP_ENDED = timedelta(days=7)


class UnknownSilence(BadbuzzError):
    """No silence has this id."""


class Silence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    matchers: list[Matcher] = Field(min_length=1, description="A silence that matches everything is an outage.")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    created_by: str = Field(min_length=1)
    comment: str = Field(min_length=1, description="Why: the next person on call reads it.")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Silence:
        # Equal is an expired silence that never started (see Silences.expire).
        if self.ends_at < self.starts_at:
            raise ValueError(f"a silence must end after it starts ({self.starts_at} → {self.ends_at})")
        return self

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, labels: dict[str, str], now: datetime) -> bool:
        return self.active(now) and matches_all(self.matchers, labels)


class Silences(BaseModel):
    """Every silence, by id: what the worker keeps and shares (a global table fed by a compacted topic)."""

    model_config = ConfigDict(frozen=True)

    by_id: dict[str, Silence] = {}

    def add(self, silence: Silence) -> Silences:
        """Add or replace (same id) a silence."""
        return Silences(by_id={**self.by_id, silence.id: silence})

    def expire(self, silence_id: str, now: datetime) -> tuple[Silences, Silence]:
        """End a silence now; one that has not started yet never will."""
        silence = self.by_id.get(silence_id)
        if silence is None:
            raise UnknownSilence(f"no silence {silence_id!r}")
        if silence.ends_at <= now:
            return self, silence
        ended = silence.model_copy(update={"starts_at": min(silence.starts_at, now), "ends_at": now})
        return self.add(ended), ended

    def muting(self, labels: dict[str, str], now: datetime) -> Silence | None:
        """The first active silence muting an incident with these labels."""
        return next((silence for silence in self.by_id.values() if silence.mutes(labels, now)), None)

    def prune(self, now: datetime) -> Silences:
        """Forget silences ended longer than :data:`KEEP_ENDED` ago."""
        return Silences(
            by_id={key: silence for key, silence in self.by_id.items() if silence.ends_at > now - KEEP_ENDED}
        )
