"""The campaign calendar: planned buzz is no crisis, but a launch gone sour still is."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import yaml
from pydantic import ValidationError

from badbuzz.alerts.policy.calendar import CampaignCalendar
from badbuzz.vocabulary.signals import Signal

CALENDAR = """
campaigns:
  - brand: acme
    name: Spring launch
    kind: launch
    start: 2026-04-02T09:00:00+02:00
    end: 2026-04-02T18:00:00+02:00
  - brand: acme
    name: TV ad, prime time
    kind: tv_ad
    start: 2026-04-02T20:50:00+02:00
    end: 2026-04-02T20:51:00+02:00
    afterglow: 2h
  - brand: globex
    name: Black Friday
    kind: sale
    start: 2026-11-27T00:00:00-05:00
    end: 2026-11-28T00:00:00-05:00
    suppress: [volume]
"""


@pytest.fixture(scope="module")
def calendar() -> CampaignCalendar:
    return CampaignCalendar.model_validate(yaml.safe_load(CALENDAR))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_campaign_covers_its_time_and_afterglow_for_its_brand_only(calendar):
    assert calendar.active("acme", at("2026-04-02T08:59:59+02:00")) is None
    assert calendar.active("acme", at("2026-04-02T09:00:00+02:00")).name == "Spring launch"
    assert calendar.active("acme", at("2026-04-02T18:59:59+02:00")).name == "Spring launch"
    assert calendar.active("acme", at("2026-04-02T19:00:00+02:00")) is None
    assert calendar.active("acme", at("2026-04-02T22:50:00+02:00")).name == "TV ad, prime time"
    assert calendar.active("acme", at("2026-04-02T22:51:00+02:00")) is None
    assert calendar.active("globex", at("2026-04-02T12:00:00+02:00")) is None


def test_volume_signals_are_suppressed_but_the_negative_share_still_alerts(calendar):
    during = at("2026-04-02T12:00:00+02:00")
    for signal in (Signal.VOLUME, Signal.NEGATIVE_VOLUME, Signal.NEGATIVE_REACH):
        assert calendar.suppressing("acme", signal, during).name == "Spring launch"
    assert calendar.suppressing("acme", Signal.NEGATIVE_SHARE, during) is None


def test_a_campaign_can_say_which_signals_it_suppresses(calendar):
    black_friday = at("2026-11-27T15:00:00-05:00")
    assert calendar.suppressing("globex", Signal.VOLUME, black_friday) is not None
    assert calendar.suppressing("globex", Signal.NEGATIVE_VOLUME, black_friday) is None


def test_overlapping_campaigns_report_the_latest_started():
    calendar = CampaignCalendar.model_validate(
        {
            "campaigns": [
                {
                    "brand": "acme",
                    "name": "Spring sale",
                    "start": "2026-04-01T00:00:00Z",
                    "end": "2026-04-10T00:00:00Z",
                },
                {"brand": "acme", "name": "Launch", "start": "2026-04-02T00:00:00Z", "end": "2026-04-03T00:00:00Z"},
            ]
        }
    )
    assert calendar.active("acme", at("2026-04-02T12:00:00+00:00")).name == "Launch"


@pytest.mark.parametrize(
    ("campaign", "message"),
    [
        ({"start": "2026-04-02T09:00:00", "end": "2026-04-02T18:00:00+02:00"}, "timezone"),
        ({"start": "2026-04-02T18:00:00+02:00", "end": "2026-04-02T09:00:00+02:00"}, "ends .* before it starts"),
        ({"start": "2026-04-02T09:00:00Z", "end": "2026-04-02T18:00:00Z", "afterglow": "1 hour"}, "bad duration"),
        ({"start": "2026-04-02T09:00:00Z", "end": "2026-04-02T18:00:00Z", "suppress": ["buzz"]}, "suppress"),
    ],
)
def test_mistakes_get_clear_messages(campaign, message):
    with pytest.raises(ValidationError, match=message):
        CampaignCalendar.model_validate({"campaigns": [{"brand": "acme", "name": "Launch", **campaign}]})


def test_campaigns_of_untracked_brands_are_refused(calendar):
    calendar.check_brands(["acme", "globex"])
    with pytest.raises(ValueError, match="untracked brands: globex"):
        calendar.check_brands(["acme"])


def test_the_afterglow_defaults_to_an_hour(calendar):
    assert calendar.campaigns[0].afterglow == timedelta(hours=1)
