"""Per-brand campaign calendar: a planned launch, TV ad or sale is expected buzz, not a crisis.

A campaign raises how much a brand is talked about (and so the number of
negative mentions and their reach, at the same share), but not the share of
mentions that are negative. So during a campaign and for its ``afterglow``
(the buzz of a TV ad outlives its air time), the volume-like signals it
suppresses (by default volume, negative volume and negative reach) open no
incident, while the negative share, which a crisis riding on a launch still
moves, alerts as usual.

How the detect stage uses it, per window and signal of a brand::

    campaign = calendar.suppressing(window.brand, signal, window.end)
    # Learn the window even if anomalous: the baseline follows the campaign's level (re-baselines).
    judgement = watch.observe(value, learn_anomalies=campaign is not None)
    if campaign is not None and state.incident is None:
        judgement = dataclasses.replace(judgement, severity=None)  # opens nothing

An incident already open when a campaign starts goes on and resolves by the
tracker's hysteresis: it began before anything was planned. Once the campaign
and its afterglow are over, the detector settles back to the usual level.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from badbuzz.alerts.policy.matchers import Duration
from badbuzz.vocabulary.signals import Signal

#: What a campaign makes louder without making it worse.
VOLUME_SIGNALS = frozenset({Signal.VOLUME, Signal.NEGATIVE_VOLUME, Signal.NEGATIVE_REACH})


class CampaignKind(StrEnum):
    LAUNCH = "launch"
    TV_AD = "tv_ad"
    SALE = "sale"
    EVENT = "event"
    OTHER = "other"


class Campaign(BaseModel):
    """A planned event of a brand; times carry their offset, e.g. ``2026-04-02T20:45:00+02:00``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    brand: str
    name: str
    kind: CampaignKind = CampaignKind.OTHER
    start: AwareDatetime
    end: AwareDatetime
    afterglow: Duration = Field(timedelta(hours=1), description="How long the buzz outlives the campaign.")
    suppress: frozenset[Signal] = Field(VOLUME_SIGNALS, description="Signals that open no incident meanwhile.")

    @model_validator(mode="after")
    def _ends_after_start(self) -> Campaign:
        if self.end <= self.start:
            raise ValueError(
                f"campaign {self.name!r} of {self.brand} ends ({self.end}) before it starts ({self.start})"
            )
        return self

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end + self.afterglow

    def suppresses(self, signal: Signal) -> bool:
        return signal in self.suppress


class CampaignCalendar(BaseModel):
    """Every brand's planned campaigns, as configured.

    >>> calendar = CampaignCalendar(campaigns=[Campaign(
    ...     brand="acme", name="Spring launch", kind="launch",
    ...     start="2026-04-02T09:00:00+02:00", end="2026-04-02T18:00:00+02:00")])
    >>> campaign = calendar.active("acme", datetime.fromisoformat("2026-04-02T18:30:00+02:00"))
    >>> campaign.name, campaign.suppresses(Signal.VOLUME), campaign.suppresses(Signal.NEGATIVE_SHARE)
    ('Spring launch', True, False)
    >>> calendar.active("acme", datetime.fromisoformat("2026-04-02T19:00:00+02:00")) is None
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    campaigns: list[Campaign] = []

    def active(self, brand: str, at: datetime) -> Campaign | None:
        """The brand's campaign covering ``at`` (the latest started, if several overlap)."""
        covering = [c for c in self.campaigns if c.brand == brand and c.covers(at)]
        return max(covering, key=lambda campaign: campaign.start, default=None)

    def suppressing(self, brand: str, signal: Signal, at: datetime) -> Campaign | None:
        """The campaign that keeps ``signal`` of ``brand`` from opening an incident at ``at``, if any."""
        covering = (c for c in self.campaigns if c.brand == brand and c.covers(at) and c.suppresses(signal))
        return next(covering, None)

    def check_brands(self, brands: Iterable[str]) -> None:
        """Raise :class:`ValueError` for campaigns of brands that are not tracked."""
        known = set(brands)
        unknown = sorted({c.brand for c in self.campaigns} - known)
        if known and unknown:
            raise ValueError(f"campaigns of untracked brands: {', '.join(unknown)}")
