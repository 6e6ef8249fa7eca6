"""The small values an incident shows beside its numbers: its series and its emerging terms."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SeriesPoint(BaseModel):
    """One window of the deviating signal, with the baseline band it was judged against."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    value: float
    usual: float
    usual_low: float
    usual_high: float
    anomalous: bool = False


class Term(BaseModel):
    """A word or hashtag driving the rise: how often it came up, against how often it usually does."""

    model_config = ConfigDict(frozen=True)

    term: str
    count: int
    usual: float
