"""A mention stream that looks like a brand's real one: several brands, French and
English, a day/night rhythm, reposts, and scripted negative-buzz crises.

Deterministic for a seed and a time range, so a demo can be replayed and a test
knows what it will get.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from badbuzz.vocabulary.records import Author, Mention, Platform

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Brand:
    name: str
    #: Mentions per minute at the busiest hour of the day.
    peak_per_minute: float
    #: Share of French mentions; the rest are English.
    french: float


BRANDS = (
    Brand("nuvola", peak_per_minute=14, french=0.7),  # a telecom operator
    Brand("velocia", peak_per_minute=9, french=0.5),  # city bikes
    Brand("cafe-lumen", peak_per_minute=6, french=0.8),  # a coffee chain
    Brand("oceane-air", peak_per_minute=11, french=0.4),  # an airline
)


@dataclass(frozen=True)
class Crisis:
    """A negative buzz about one brand, ramping up, then holding and fading.

    Three shapes, as they happen: an absolute flood of angry mentions (``peak_per_minute``:
    a story goes viral at 4 a.m. as much as at 4 p.m.), a flood relative to the brand's own
    rate (``scale``: ×5 its usual volume), or a shift of tone without more volume
    (``negative_share``: the brand's usual mentions turn negative).
    """

    brand: str
    starts_at: datetime
    minutes: float = 15.0
    peak_per_minute: float = 120.0
    ramp_seconds: float = 60.0
    #: Total volume as a multiple of the brand's usual rate at the peak; replaces ``peak_per_minute``.
    scale: float | None = None
    #: Share of the brand's usual mentions that are negative at the peak (they are 20 % otherwise).
    negative_share: float | None = None

    def intensity(self, at: datetime) -> float:
        """From 0 (before and long after) to 1 (holding)."""
        elapsed = (at - self.starts_at).total_seconds()
        if elapsed < 0:
            return 0.0
        if elapsed < self.ramp_seconds:
            return elapsed / self.ramp_seconds
        after_hold = elapsed - self.minutes * 60
        return 1.0 if after_hold < 0 else math.exp(-after_hold / 120.0)

    def extra_rate(self, at: datetime, usual_per_minute: float) -> float:
        """Extra negative mentions per minute at ``at``, for a brand usually at ``usual_per_minute``."""
        if self.negative_share is not None:
            return 0.0
        peak = self.peak_per_minute if self.scale is None else (self.scale - 1.0) * usual_per_minute
        return peak * self.intensity(at)

    def turned_negative(self, at: datetime) -> float:
        """The probability that one of the brand's usual mentions is negative at ``at``."""
        if self.negative_share is None:
            return USUAL_NEGATIVE_SHARE
        return USUAL_NEGATIVE_SHARE + (self.negative_share - USUAL_NEGATIVE_SHARE) * self.intensity(at)


# Texts are put together from parts, so two people rarely write the same sentence:
# exact and near-duplicate texts are what copy-paste campaigns look like.
TEXTS = {
    ("fr", "positive"): (
        ("Franchement", "Bravo", "Merci", "Vraiment", "Honnêtement"),
        (
            "{brand} au top aujourd'hui",
            "service impeccable chez {brand}",
            "super expérience avec {brand}",
            "{brand} a réglé mon problème en cinq minutes",
            "l'appli {brand} est bien plus rapide depuis la mise à jour",
            "conseiller {brand} adorable et efficace",
        ),
        ("je recommande", "merci !", "👌", "rien à redire", "continuez comme ça", "😍", ""),
    ),
    ("fr", "neutral"): (
        ("Question :", "Petite question,", "Dites,", "", "Info :"),
        (
            "quelqu'un sait si {brand} ouvre le dimanche ?",
            "je viens de voir la nouvelle pub {brand}",
            "{brand} annonce de nouveaux tarifs pour la rentrée",
            "comment on change d'offre chez {brand} ?",
            "{brand} ouvre une boutique à {city}",
            "vous passez par {brand} ou par un concurrent ?",
        ),
        ("", "merci d'avance", "des infos ?", "à suivre", "on verra"),
    ),
    ("fr", "negative"): (
        ("Encore", "Sérieusement,", "Franchement", "Bof,", "Pfff"),
        (
            "un souci avec {brand}, service client injoignable",
            "déçu par {brand}, ça ne s'améliore pas",
            "{brand} m'a facturé deux fois ce mois-ci",
            "toujours pas de réponse de {brand} après {n} jours",
            "la qualité chez {brand} baisse d'année en année",
        ),
        ("😤", "lamentable", "", "ras le bol", "je change bientôt"),
    ),
    ("en", "positive"): (
        ("Honestly", "Wow,", "Big thanks,", "", "Gotta say"),
        (
            "loving the new {brand} update",
            "shout out to {brand} support, fixed in five minutes",
            "{brand} never disappoints",
            "the {brand} team in {city} was super helpful",
            "great value from {brand} this month",
        ),
        ("great job", "🙌", "", "10/10", "keep it up"),
    ),
    ("en", "neutral"): (
        ("Question:", "Hey,", "", "FYI", "Random thought:"),
        (
            "does anyone know when {brand} opens in {city}?",
            "just saw the {brand} ad on the metro",
            "{brand} quarterly results are out",
            "is {brand} changing its prices?",
            "anyone switched from {brand} recently?",
        ),
        ("", "thanks", "curious", "any idea?", "we'll see"),
    ),
    ("en", "negative"): (
        ("Ugh,", "Seriously,", "Honestly", "Again:", ""),
        (
            "not impressed with {brand} lately",
            "waited {n} minutes for {brand} support, nobody answered",
            "{brand} charged me twice this month",
            "{brand} quality keeps going down",
        ),
        ("😡", "disappointed", "", "done with them", "unacceptable"),
    ),
}

CRISIS_TEXTS = {
    "fr": (
        ("", "Incroyable :", "Honteux.", "Bon,", "Alerte :", "Sérieux ?"),
        (
            "{brand} en panne depuis ce matin, impossible de joindre qui que ce soit",
            "{brand} a laissé fuiter les données de ses clients ?!",
            "c'est inadmissible, {brand} ne communique même pas sur la panne",
            "je résilie mon abonnement {brand}",
            "{n} heures sans service {brand} à {city}, et aucune excuse",
            "mes données perso dans la nature à cause de {brand}, merci bien",
        ),
        ("#{tag}", "#{tag} 😡", "#{tag} #scandale", "honteux #{tag}", "#{tag}"),
    ),
    "en": (
        ("", "Unbelievable:", "Wow.", "Heads up:", "Seriously?"),
        (
            "{brand} is down again and support is silent",
            "did {brand} really leak customer data??",
            "cancelling my {brand} contract today, this is a joke",
            "{n} hours without {brand} in {city}, not a single word from them",
        ),
        ("#{tag}", "#{tag} 😡", "#{tag} #fail", "#{tag}"),
    ),
}

#: A spam ring: a few accounts pushing the same promo about every brand, all day long.
SPAM_TEXT = {"fr": "Gagnez un an de {brand} gratuit 🎁 cliquez ici", "en": "Win a free year of {brand} 🎁 click here"}
SPAM_ACCOUNTS = 4
SPAM_PER_MINUTE = 1.0
CITIES = ("Paris", "Lyon", "Marseille", "Lille", "Nantes", "Bordeaux", "London", "Brussels")

PLATFORMS = (Platform.X, Platform.INSTAGRAM, Platform.FACEBOOK, Platform.TIKTOK, Platform.REDDIT, Platform.REVIEW)
PLATFORM_WEIGHTS = (40, 20, 15, 12, 8, 5)
#: Tones of a brand's usual mentions: positive, neutral, negative.
TONE_WEIGHTS = (3, 5, 2)
USUAL_NEGATIVE_SHARE = TONE_WEIGHTS[2] / sum(TONE_WEIGHTS)


def daily_rhythm(at: datetime) -> float:
    """Activity from 0.15 (4 a.m., Paris time) to 1 (4 p.m.); weekends a little quieter."""
    local = at.astimezone(PARIS)
    hour = local.hour + local.minute / 60
    level = 0.575 - 0.425 * math.cos((hour - 4) / 24 * 2 * math.pi)
    return level * (0.8 if local.weekday() >= 5 else 1.0)


class MentionSimulator:
    """Generates the mentions of ``brands`` created in any time range.

    >>> from datetime import datetime, timezone
    >>> start = datetime(2026, 3, 2, 14, 0, tzinfo=timezone.utc)
    >>> simulator = MentionSimulator(seed=7)
    >>> mentions = list(simulator.between(start, start + timedelta(minutes=10)))
    >>> sorted({m.brand for m in mentions})
    ['cafe-lumen', 'nuvola', 'oceane-air', 'velocia']
    >>> all(start <= m.created_at < start + timedelta(minutes=10) for m in mentions)
    True
    """

    def __init__(self, brands: tuple[Brand, ...] = BRANDS, crises: tuple[Crisis, ...] = (), seed: int = 0) -> None:
        self.brands = brands
        self.crises = crises
        self.seed = seed
        self.authors = [_author(random.Random(seed * 1_000_003 + i), i) for i in range(5_000)]

    def between(self, start: datetime, end: datetime, step: timedelta = timedelta(seconds=1)) -> Iterator[Mention]:
        """The mentions created in ``[start, end)``, in time order; the same for the same range."""
        at = start
        while at < end:
            step_mentions = [m for brand in self.brands for m in self._step(brand, at, step.total_seconds())]
            yield from sorted(step_mentions, key=lambda m: m.created_at)
            at += step

    def _step(self, brand: Brand, at: datetime, seconds: float) -> Iterator[Mention]:
        # One generator per brand, step and kind: a brand's stream does not depend on the
        # other brands, nor its usual chatter on whether a crisis is scripted.
        usual = brand.peak_per_minute * daily_rhythm(at)
        crises = [crisis for crisis in self.crises if crisis.brand == brand.name]
        negative = max((crisis.turned_negative(at) for crisis in crises), default=USUAL_NEGATIVE_SHARE)
        rng = random.Random(f"{self.seed}:{brand.name}:{at.timestamp():.6f}")
        for _ in range(_poisson(rng, usual * seconds / 60)):
            yield self._mention(rng, brand, at + timedelta(seconds=rng.random() * seconds), negative=negative)
        rng = random.Random(f"{self.seed}:{brand.name}:spam:{at.timestamp():.6f}")
        for _ in range(_poisson(rng, SPAM_PER_MINUTE * seconds / 60)):
            yield self._spam(rng, brand, at + timedelta(seconds=rng.random() * seconds))
        for index, crisis in enumerate(crises):
            rng = random.Random(f"{self.seed}:{brand.name}:crisis{index or ''}:{at.timestamp():.6f}")
            for _ in range(_poisson(rng, crisis.extra_rate(at, usual) * seconds / 60)):
                yield self._mention(rng, brand, at + timedelta(seconds=rng.random() * seconds), negative=None)

    def _mention(self, rng: random.Random, brand: Brand, at: datetime, *, negative: float | None) -> Mention:
        """One of the brand's usual mentions, negative with probability ``negative``; a crisis one for None."""
        language = "fr" if rng.random() < brand.french else "en"
        crisis = negative is None
        if crisis:
            parts = CRISIS_TEXTS[language]
        else:
            tone = _tone(rng, negative)
            parts = TEXTS[(language, tone)]
        tag = brand.name.replace("-", "").capitalize() + ("Panne" if language == "fr" else "Down")
        text = _compose(rng, parts).format(
            brand=brand.name.capitalize(), tag=tag, city=rng.choice(CITIES), n=rng.randint(2, 48)
        )
        author = rng.choice(self.authors)
        platform = rng.choices(PLATFORMS, weights=PLATFORM_WEIGHTS)[0]
        is_repost = rng.random() < (0.45 if crisis else 0.2)
        if is_repost and platform is Platform.X:
            text = f"RT @{rng.choice(self.authors).handle}: {text}"
        return self._make(rng, brand, at, author, platform, text, language, is_repost=is_repost)

    def _spam(self, rng: random.Random, brand: Brand, at: datetime) -> Mention:
        language = "fr" if rng.random() < brand.french else "en"
        author = Author(handle=f"promo_deals{rng.randrange(SPAM_ACCOUNTS)}", followers=rng.randint(0, 12))
        text = SPAM_TEXT[language].format(brand=brand.name.capitalize())
        return self._make(rng, brand, at, author, Platform.X, text, language, is_repost=False)

    def _make(
        self,
        rng: random.Random,
        brand: Brand,
        at: datetime,
        author: Author,
        platform: Platform,
        text: str,
        language: str,
        *,
        is_repost: bool,
    ) -> Mention:
        mention_id = f"{platform}:{rng.getrandbits(63)}"
        return Mention(
            id=mention_id,
            brand=brand.name,
            platform=platform,
            author=author,
            text=text,
            language=language,
            url=f"https://example.com/{platform}/{mention_id.split(':')[1]}",
            created_at=at,
            is_repost=is_repost,
            is_reply=rng.random() < 0.15,
        )


def _tone(rng: random.Random, negative: float) -> str:
    # One draw whatever the share, so a brand's stream keeps its other draws when its tone shifts.
    draw = rng.random()
    if draw >= 1.0 - negative:
        return "negative"
    positive, neutral, _ = TONE_WEIGHTS
    return "positive" if draw < (1.0 - negative) * positive / (positive + neutral) else "neutral"


def _compose(rng: random.Random, parts: tuple[tuple[str, ...], ...]) -> str:
    opener, body, closer = (rng.choice(choices) for choices in parts)
    if not opener or opener.endswith((".", "?", "!")):
        body = body[0].upper() + body[1:]
    return " ".join(part for part in (opener, body, closer) if part)


def _author(rng: random.Random, index: int) -> Author:
    # Audiences are heavy-tailed: most accounts have a few hundred followers, a few have millions.
    followers = int(min(5e6, rng.lognormvariate(5.5, 1.8)))
    return Author(handle=f"user{index:04d}", followers=followers)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: exact, and quick for the small per-second means used here."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def utc_now() -> datetime:
    return datetime.now(UTC)
