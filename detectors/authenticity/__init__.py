"""Authenticity: for each mention of a brand, whether it is new conversation and whether a person wrote it.

:class:`Authenticity` bundles one brand's :class:`~badbuzz.detectors.authenticity.amplification.Amplification`
and :class:`~badbuzz.detectors.authenticity.bots.BotWatch`, so the counting stage keeps one state per brand,
judges a batch at a time, and saves that state once per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from badbuzz.detectors.authenticity.amplification import Amplification, AmplificationSettings
from badbuzz.detectors.authenticity.bots import BotReason, BotRules, BotWatch
from badbuzz.vocabulary.records import Kind, Mention

#: Bumped when the state's layout or the hashing behind it changes.
STATE_VERSION = 1


class AuthenticitySettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    amplification: AmplificationSettings = Field(default_factory=AmplificationSettings)
    bots: BotRules = Field(default_factory=BotRules)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the counting stage needs to know about one mention."""

    kind: Kind
    #: The bot rules it tripped; empty for a mention that looks human.
    reasons: tuple[BotReason, ...] = ()

    @property
    def suspected_bot(self) -> bool:
        return bool(self.reasons)


class Authenticity:
    """One brand's judge of mentions: kind (original, repost, copy) and suspected bots.

    Feed it each mention once (after dropping redeliveries of the same id), in the
    order the brand's partition delivers them; verdicts depend on what came before.

    Parameters
    ----------
    settings
        Amplification memory and bot rules.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> from badbuzz.vocabulary.records import Author, Mention
    >>> start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    >>> campaign = "Oceane Air a perdu mes bagages et refuse de rembourser, partagez !"
    >>> batch = [Mention(id=str(i), brand="oceane-air", platform="x", text=f"{campaign} #{i}",
    ...                  author=Author(handle=f"user{i}", followers=12),
    ...                  created_at=start + timedelta(seconds=i)) for i in range(6)]
    >>> judge = Authenticity()
    >>> for verdict in judge.judge(batch):
    ...     print(verdict.kind.value, verdict.suspected_bot, [r.value for r in verdict.reasons])
    original False []
    copy False []
    copy False []
    copy False []
    copy True ['duplicate_burst']
    copy True ['duplicate_burst']
    >>> restored = Authenticity.from_state(judge.state())
    >>> restored.state() == judge.state()
    True
    """

    def __init__(self, settings: AuthenticitySettings | None = None) -> None:
        self.settings = settings or AuthenticitySettings()
        self._amplification = Amplification(self.settings.amplification)
        self._bots = BotWatch(self.settings.bots)

    def judge(self, mentions: Sequence[Mention]) -> list[Verdict]:
        """A verdict per mention, in order; the state moves on past them."""
        amplified = self._amplification.classify(mentions)
        reasons = self._bots.check(mentions, [a.cluster for a in amplified])
        return [Verdict(a.kind, r) for a, r in zip(amplified, reasons, strict=True)]

    def state(self) -> dict:
        """The brand's state as a JSON-able dict of a few strings and numbers."""
        return {"v": STATE_VERSION, "amplification": self._amplification.state(), "bots": self._bots.state()}

    @classmethod
    def from_state(cls, state: dict, settings: AuthenticitySettings | None = None) -> Authenticity:
        """The judge whose :meth:`state` was ``state``; a fresh one for a state of another version.

        Starting afresh after an upgrade only means a few copies of older texts count as
        originals for an hour: cheaper than a migration for a memory this short.
        """
        authenticity = cls(settings)
        if state.get("v") != STATE_VERSION:
            return authenticity
        authenticity._amplification = Amplification.from_state(
            state["amplification"], authenticity.settings.amplification
        )
        authenticity._bots = BotWatch.from_state(state["bots"], authenticity.settings.bots)
        return authenticity
