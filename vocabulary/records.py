"""The records that travel on badbuzz topics, validated on the way in.

Every topic carries JSON. :class:`Mention` is the contract with the
collectors that feed the pipeline; the others are badbuzz's own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, field_validator

from badbuzz.vocabulary.sentiment import Sentiment, label_of

MAX_TEXT_CHARS = 20_000
#: More followers than any platform has users: a larger count is a collector's bug, refused
#: rather than clipped (a guess would weigh the mention's reach), and a bound that keeps
#: every reach computation within float range (a JSON integer has no size limit).
MAX_FOLLOWERS = 10_000_000_000
SAMPLE_TEXT_CHARS = 280


class Platform(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    REDDIT = "reddit"
    LINKEDIN = "linkedin"
    NEWS = "news"
    BLOG = "blog"
    FORUM = "forum"
    REVIEW = "review"
    OTHER = "other"


class Author(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    handle: str = Field(min_length=1, max_length=256)
    followers: int = Field(ge=0, le=MAX_FOLLOWERS, strict=True)


class Mention(BaseModel):
    """A post, comment or review that names a tracked brand.

    Numbers, flags and times are strict: a collector sending ``"followers": "12k"``
    or a Unix time has a bug worth hearing about, not a value worth guessing.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1, max_length=256, description="Unique per platform; redeliveries keep it.")
    brand: str = Field(min_length=1, max_length=128, description="The tracked brand or query that matched.")
    platform: Platform
    author: Author
    text: str = Field(max_length=MAX_TEXT_CHARS)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", description="BCP 47, if known.")
    url: HttpUrl | None = None
    created_at: AwareDatetime = Field(strict=True)
    is_repost: bool = Field(False, strict=True)
    is_reply: bool = Field(False, strict=True)

    @field_validator("created_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        try:
            # In UTC from here on: "0001-01-01T00:00:00+14:00" is a valid string whose UTC
            # time is before year 1, and any arithmetic on it would overflow further down.
            # (A time in the future is the ingest stage's to refuse: it knows the clock.)
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is outside the years 1 to 9999 once in UTC") from None


class Kind(StrEnum):
    """Whether a mention is new conversation or amplification of an earlier one."""

    ORIGINAL = "original"
    REPOST = "repost"
    COPY = "copy"


class EnrichedMention(Mention):
    """A valid mention with what the enrichment stage learnt about it."""

    detected_language: str = Field(description="ISO 639-1 code, or 'und' when no configured language fits.")
    sentiment_probs: tuple[float, float, float] = Field(description="Negative, neutral, positive.")
    reach: float = Field(ge=0, description="How many people it plausibly reached, from the author's audience.")

    @property
    def sentiment(self) -> Sentiment:
        return label_of(self.sentiment_probs)


class DeadLetter(BaseModel):
    """A raw message the pipeline could not use, kept whole with the reason."""

    model_config = ConfigDict(frozen=True)

    reason: str
    detail: str
    topic: str
    partition: int
    offset: int
    key: str | None = Field(description="The original key, base64.")
    original: str = Field(description="The original bytes, base64.")
    received_at: datetime


class SamplePost(BaseModel):
    """A mention shown to a human beside the numbers (the most followed authors first)."""

    model_config = ConfigDict(frozen=True)

    id: str
    platform: Platform
    author: str
    followers: int
    text: str
    url: str | None = None
    reach: float = 0.0
    sentiment: str | None = None

    @classmethod
    def of(cls, mention: EnrichedMention) -> SamplePost:
        text = mention.text
        if len(text) > SAMPLE_TEXT_CHARS:
            text = text[: SAMPLE_TEXT_CHARS - 1] + "…"
        return cls(
            id=mention.id,
            platform=mention.platform,
            author=mention.author.handle,
            followers=mention.author.followers,
            text=text,
            url=str(mention.url) if mention.url else None,
            reach=mention.reach,
            sentiment=mention.sentiment,
        )


class TopAuthor(BaseModel):
    """An author among the most active of a window."""

    model_config = ConfigDict(frozen=True)

    handle: str
    platform: str
    followers: int
    mentions: int


class WindowCount(BaseModel):
    """One tumbling window of one brand's mentions: closed, or still open (``elapsed_seconds`` set).

    Every series but ``suspected_bots`` counts real people only: a bad buzz is a rise
    of negative mentions by people, and bots are counted apart rather than dropped.
    """

    model_config = ConfigDict(frozen=True)

    brand: str
    start: datetime
    end: datetime
    volume: int = Field(description="Distinct mentions created in the window, suspected bots left out.")
    negative: int = 0
    positive: int = 0
    reach: float = Field(0.0, description="Sum of the mentions' reach weights.")
    negative_reach: float = 0.0
    reposts: int = Field(0, description="Platform reposts and retweets.")
    copies: int = Field(0, description="Copies of another author's recent text (copy-paste campaigns).")
    suspected_bots: int = 0
    unique_authors: int = 0
    duplicates: int = Field(0, description="Redelivered mentions (same id) not counted again.")
    late: int = Field(0, description="Mentions that arrived after an earlier window had closed.")
    languages: dict[str, int] = {}
    platforms: dict[str, int] = {}
    terms: dict[str, int] = Field({}, description="The most used terms: how many mentions used each.")
    top_posts: tuple[SamplePost, ...] = ()
    top_authors: tuple[TopAuthor, ...] = ()
    elapsed_seconds: float | None = Field(
        None,
        description="For a snapshot of a window still open: how far into it the counts go; None once closed.",
    )

    @property
    def partial(self) -> bool:
        return self.elapsed_seconds is not None

    @property
    def originals(self) -> int:
        return self.volume - self.reposts - self.copies

    @property
    def negative_share(self) -> float:
        return self.negative / self.volume if self.volume else 0.0
