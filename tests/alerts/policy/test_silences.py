"""Silences: who, why, until when; expiring and pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from badbuzz.alerts.policy.matchers import Matcher
from badbuzz.alerts.policy.silences import Silence, Silences, UnknownSilence

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
H = timedelta(hours=1)
ACME = {"brand": "acme", "signal": "volume", "severity": "warning"}


def silence(start: datetime, end: datetime, matcher: str = 'brand="acme"') -> Silence:
    return Silence(
        matchers=[Matcher.parse(matcher)], starts_at=start, ends_at=end, created_by="alice", comment="TV ad tonight"
    )


def test_a_silence_mutes_what_it_matches_between_its_start_and_end():
    silences = Silences().add(silence(T0, T0 + H))
    assert silences.muting(ACME, T0 - timedelta(seconds=1)) is None
    assert silences.muting(ACME, T0).created_by == "alice"
    assert silences.muting({**ACME, "brand": "globex"}, T0) is None
    assert silences.muting(ACME, T0 + H) is None


def test_expiring_ends_a_silence_now_and_keeps_it_on_record():
    muting = silence(T0, T0 + 5 * H)
    silences, ended = Silences().add(muting).expire(muting.id, T0 + H)
    assert ended.ends_at == T0 + H and ended.comment == "TV ad tonight"
    assert silences.muting(ACME, T0 + H) is None
    assert silences.by_id[muting.id] == ended


def test_expiring_a_silence_that_has_not_started_means_it_never_mutes():
    later = silence(T0 + 2 * H, T0 + 3 * H)
    silences, _ = Silences().add(later).expire(later.id, T0)
    assert all(silences.muting(ACME, T0 + minutes * timedelta(minutes=1)) is None for minutes in range(0, 240, 10))


def test_expiring_an_unknown_silence_says_so():
    with pytest.raises(UnknownSilence, match="no silence 'nope'"):
        Silences().expire("nope", T0)


def test_ended_silences_are_pruned_after_a_week():
    silences = Silences().add(silence(T0, T0 + H))
    assert silences.prune(T0 + 7 * 24 * H).by_id != {}
    assert silences.prune(T0 + 7 * 24 * H + H).by_id == {}


def test_a_silence_needs_matchers_an_author_a_reason_and_an_end_after_its_start():
    with pytest.raises(ValidationError, match="matchers"):
        Silence(matchers=[], starts_at=T0, ends_at=T0 + H, created_by="a", comment="b")
    with pytest.raises(ValidationError, match="comment"):
        Silence(matchers=[Matcher.parse('brand="acme"')], starts_at=T0, ends_at=T0 + H, created_by="a", comment="")
    with pytest.raises(ValidationError, match="must end after it starts"):
        silence(T0, T0 - H)


def test_silences_round_trip_through_json():
    silences = Silences().add(silence(T0, T0 + H, 'severity=~"info|warning"'))
    assert Silences.model_validate_json(silences.model_dump_json()) == silences
