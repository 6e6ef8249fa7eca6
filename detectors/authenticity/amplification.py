"""Amplification: is a mention new conversation, a repost, or a copy of a recent text?

A bad buzz is new people saying new things; a thousand retweets of one post, or one
text pasted by two hundred accounts, is amplification of a single voice. Each mention
gets a :class:`~badbuzz.vocabulary.records.Kind`:

- ``REPOST`` when the platform says so, or when the text carries a retweet or quote
  marker (``RT @user:``, ``MT @user``, ``QT @user``, also after a comment:
  ``Nice RT @brand: ...``, and a quoted ``“@brand: ...” lol``);
- ``COPY`` when its normalised text is the same as, or nearly the same as, a recent
  mention by another author (copy-paste campaigns);
- ``ORIGINAL`` otherwise.

Near duplicates are found with MinHash locality-sensitive hashing over byte 5-grams
of the normalised text (case folded; links, @handles, punctuation and emoji dropped):
:data:`BANDS` bands of :data:`ROWS` hashes each, so two texts whose shingle sets have
a Jaccard similarity ``J`` collide with probability ``1 - (1 - J**6)**10``: 0.95 at
J = 0.8 (one word swapped in a tweet), 0.71 at 0.7, 0.15 at 0.5 and 0.007 at 0.3
(unrelated tweets sharing a hashtag or a common phrase). A matched text is a copy
without a second check: the index keeps only band hashes, so a brand's state stays
small. Texts under ``min_words`` words after normalisation are never copies: "thank
you for your prompt assistance @brand" from two people is two people.

On the 14,640 airline tweets (one judge per airline) these settings find 8 copies,
all news or deals shared with the same button; 10 bands of 5 hashes also took a
common complaint ("been on hold for over an hour...") for a copy, and 12 bands of 4
found 40 copies, mostly false.

The signatures of a whole batch are computed at once with numpy, by one-permutation
hashing (one hash per shingle, not one per shingle and signature value). The index
is a dict from band hash to the cluster of texts it belongs to; a cluster is
forgotten ``horizon`` after its last member, or when the brand holds more than
``max_clusters`` (least recently seen first).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from badbuzz.detectors.anomaly.packing import pack, unpack
from badbuzz.vocabulary.records import Kind, Mention

SHINGLE_BYTES = 5
BANDS = 10
ROWS = 6
#: Hashing constants: part of the state format, as every stored band hash depends on them.
_RNG = np.random.default_rng(20260302)
_SEED = _RNG.integers(0, 2**63, dtype=np.uint64)
#: Row j: the order in which empty bin j looks for a donor (itself first, so a filled bin keeps its value).
_DONORS = np.array([[j, *_RNG.permutation([b for b in range(BANDS * ROWS) if b != j])] for j in range(BANDS * ROWS)])
_ROW_MIX = _RNG.integers(1, 2**63, size=ROWS, dtype=np.uint64) | np.uint64(1)
_BAND_TAGS = np.arange(BANDS, dtype=np.uint64) << np.uint64(32)

#: ``RT @a:``, ``MT @a``, ``QT @a`` (any case), and the quoted ``“@a: ...”`` of manual quote-tweets.
_REPOST_MARKER = re.compile(r"(?<!\w)(?:RT|MT|QT)\s*:?\s*@\w|[“\"]\s*@\w+:", re.IGNORECASE)
_LINK = re.compile(r"(?:https?://|www\.)\S+")
_HANDLE = re.compile(r"@\w+")
_NOT_WORD = re.compile(r"[\W_]+")


class AmplificationSettings(BaseModel):
    """How long and how much a brand remembers texts, and which texts can be copies."""

    model_config = ConfigDict(frozen=True)

    horizon: timedelta = Field(timedelta(hours=1), description="A text is forgotten this long after its last copy.")
    max_clusters: int = Field(20_000, ge=1, description="Distinct recent texts kept per brand, oldest dropped first.")
    min_words: int = Field(8, ge=1, description="Shorter normalised texts are never copies.")


@dataclass(frozen=True, slots=True)
class Amplified:
    """A mention's kind, and the cluster of near-identical texts it joined (``None`` if none)."""

    kind: Kind
    cluster: int | None


@dataclass(slots=True)
class _Cluster:
    author: int
    last_seen: int
    keys: tuple[int, ...]


def is_repost_text(text: str) -> bool:
    """Whether ``text`` shares or quotes another post in the old retweet style.

    >>> is_repost_text("RT @oceane_air: Our 7:40 flight to Nice is delayed")
    True
    >>> is_repost_text("So true! rt @marc: never again with this airline")
    True
    >>> is_repost_text("“@JetBlue: Our fleet's on fleek. http://t.co/PULp4i0w96” smh")
    True
    >>> is_repost_text("Start of the ART @louvre exhibition")
    False
    """
    return _REPOST_MARKER.search(text) is not None


def normalise(text: str) -> str:
    """The words of ``text`` that identify a copy: lower case, no links, handles, punctuation or emoji.

    >>> normalise("Je RÉSILIE mon abonnement @Nuvola, honteux!! #panne https://t.co/x1 😡")
    'je résilie mon abonnement honteux panne'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _HANDLE.sub(" ", _LINK.sub(" ", text))
    return _NOT_WORD.sub(" ", text).strip()


def stable_hash(text: str) -> int:
    """A 64-bit hash that is the same in every process (``hash()`` of a str is not)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def author_key(mention: Mention) -> int:
    """Who posted ``mention``: the same handle on two platforms is two people."""
    return _author_key(mention.platform, mention.author.handle)


@lru_cache(maxsize=65_536)
def _author_key(platform: str, handle: str) -> int:
    return stable_hash(f"{platform}\x00{handle.casefold()}")


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: every input bit moves every output bit."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _one_permutation_minhash(shingles: np.ndarray, text_of: np.ndarray, n_texts: int) -> np.ndarray:
    """MinHash signatures of :data:`BANDS` × :data:`ROWS` values from a single hash per shingle.

    One-permutation hashing (Li, Owen & Zhang 2012) splits the hash range into bins and keeps
    each bin's minimum; an empty bin borrows the value of the first non-empty bin in a random
    order of bins fixed for it (optimal densification, Shrivastava 2017), so two texts still
    agree on a bin with probability equal to their Jaccard similarity, and borrowed bins are
    no more correlated than they must be (the short texts of social media leave many bins empty).
    One hash per shingle instead of one per shingle and signature value: far less work.
    """
    width = BANDS * ROWS
    hashed = _mix(shingles ^ _SEED)
    bins = ((hashed >> np.uint64(32)) * np.uint64(width)) >> np.uint64(32)
    signatures = np.full(n_texts * width, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(signatures, text_of * width + bins.astype(np.int64), hashed & np.uint64(0xFFFFFFFF))
    signatures = signatures.reshape(n_texts, width)
    # For each text and empty bin, the first non-empty bin in that bin's fixed random order of donors.
    filled = signatures != np.iinfo(np.uint64).max
    first_filled = filled[:, _DONORS].argmax(axis=2)
    donors = np.where(filled, np.arange(width), _DONORS[np.arange(width), first_filled])
    return np.take_along_axis(signatures, donors, axis=1)


def band_keys(texts: Sequence[str]) -> list[tuple[int, ...]]:
    """The MinHash band hashes of each normalised text (at least :data:`SHINGLE_BYTES` bytes long).

    Each key carries its band number in bits 32–34, so one dict indexes every band.

    >>> a, b, c = band_keys(["free flights for everyone who retweets this now",
    ...                      "free flights for everyone who retweets this now",
    ...                      "the lounge in terminal two is closed today"])
    >>> a == b, len(set(a) & set(c))
    (True, 0)
    """
    encoded = [text.encode() for text in texts]
    counts = np.array([len(raw) - SHINGLE_BYTES + 1 for raw in encoded], dtype=np.int64)
    if (counts < 1).any():
        raise ValueError(f"every text needs at least {SHINGLE_BYTES} bytes")
    buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
    # A shingle is its 5 bytes read as one integer: exact, no hashing needed before MinHash.
    shingles = buffer[: len(buffer) - SHINGLE_BYTES + 1].copy()
    for offset in range(1, SHINGLE_BYTES):
        shingles |= buffer[offset : len(buffer) - SHINGLE_BYTES + 1 + offset] << np.uint64(8 * offset)
    # Shingles that straddle two texts are skipped.
    text_starts = np.concatenate(([0], np.cumsum([len(raw) for raw in encoded])[:-1]))
    first_shingle = np.concatenate(([0], np.cumsum(counts)[:-1]))
    positions = np.arange(counts.sum()) + np.repeat(text_starts - first_shingle, counts)
    shingles = shingles[positions]

    signatures = _one_permutation_minhash(shingles, np.repeat(np.arange(len(texts)), counts), len(texts))
    bands = (signatures.reshape(len(texts), BANDS, ROWS) * _ROW_MIX).sum(axis=2) >> np.uint64(32)
    return list(map(tuple, (bands | _BAND_TAGS).tolist()))


class Amplification:
    """One brand's memory of recent texts, deciding each new mention's :class:`Kind`.

    Parameters
    ----------
    settings
        Horizon, size bound and minimum length of copies.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> from badbuzz.vocabulary.records import Author, Mention
    >>> start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    >>> def mention(i, handle, text):
    ...     return Mention(id=str(i), brand="nuvola", platform="x", text=text,
    ...                    author=Author(handle=handle, followers=10),
    ...                    created_at=start + timedelta(seconds=i))
    >>> amplification = Amplification()
    >>> texts = [("ana", "Nuvola coupe le réseau sans prévenir, on exige un remboursement !"),
    ...          ("bob", "RT @ana: Nuvola coupe le réseau sans prévenir"),
    ...          ("cyril", "nuvola coupe le réseau sans prévenir on exige un remboursement https://t.co/a"),
    ...          ("dora", "Le réseau Nuvola est revenu chez moi, merci")]
    >>> [a.kind.value for a in amplification.classify([mention(i, *t) for i, t in enumerate(texts)])]
    ['original', 'repost', 'copy', 'original']
    """

    def __init__(self, settings: AmplificationSettings | None = None) -> None:
        self.settings = settings or AmplificationSettings()
        self._clusters: OrderedDict[int, _Cluster] = OrderedDict()
        self._index: dict[int, int] = {}
        self._next_cluster = 0
        self._now = 0

    def __len__(self) -> int:
        """How many distinct recent texts the brand remembers."""
        return len(self._clusters)

    def classify(self, mentions: Sequence[Mention]) -> list[Amplified]:
        """The kind of each mention, in order; each one is remembered for the next."""
        reposts = [m.is_repost or is_repost_text(m.text) for m in mentions]
        words = [normalise(m.text) if not repost else "" for m, repost in zip(mentions, reposts, strict=True)]
        eligible = [i for i, text in enumerate(words) if text.count(" ") + 1 >= self.settings.min_words]
        keys_of = dict(zip(eligible, band_keys([words[i] for i in eligible]), strict=True)) if eligible else {}

        results = []
        for i, mention in enumerate(mentions):
            at = int(mention.created_at.timestamp())
            self._now = max(self._now, at)
            self._forget()
            if reposts[i]:
                results.append(Amplified(Kind.REPOST, None))
            elif i not in keys_of:
                results.append(Amplified(Kind.ORIGINAL, None))
            else:
                results.append(self._place(author_key(mention), at, keys_of[i]))
        return results

    def _place(self, author: int, at: int, keys: tuple[int, ...]) -> Amplified:
        for key in keys:
            cluster_id = self._index.get(key)
            if cluster_id is not None:
                cluster = self._clusters[cluster_id]
                cluster.last_seen = max(cluster.last_seen, at)
                self._clusters.move_to_end(cluster_id)
                # An author repeating their own text is not a campaign (the bot rules judge the rate).
                return Amplified(Kind.ORIGINAL if cluster.author == author else Kind.COPY, cluster_id)
        cluster_id = self._next_cluster
        self._next_cluster += 1
        self._clusters[cluster_id] = _Cluster(author=author, last_seen=at, keys=keys)
        self._index.update(dict.fromkeys(keys, cluster_id))
        if len(self._clusters) > self.settings.max_clusters:
            self._drop_oldest()
        return Amplified(Kind.ORIGINAL, cluster_id)

    def _forget(self) -> None:
        oldest_kept = self._now - self.settings.horizon.total_seconds()
        while self._clusters and next(iter(self._clusters.values())).last_seen < oldest_kept:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        _, cluster = self._clusters.popitem(last=False)
        for key in cluster.keys:
            del self._index[key]

    def state(self) -> dict:
        """Everything the brand remembers, as a compact JSON-able dict."""
        clusters = list(self._clusters.items())
        return {
            "next_cluster": self._next_cluster,
            "now": self._now,
            "ids": pack((cluster_id for cluster_id, _ in clusters), "<u8"),
            "authors": pack((cluster.author for _, cluster in clusters), "<u8"),
            "last_seen": pack((cluster.last_seen for _, cluster in clusters), "<i8"),
            "keys": pack((key & 0xFFFFFFFF for _, cluster in clusters for key in cluster.keys), "<u4"),
        }

    @classmethod
    def from_state(cls, state: dict, settings: AmplificationSettings | None = None) -> Amplification:
        """The :class:`Amplification` whose :meth:`state` was ``state``."""
        amplification = cls(settings)
        amplification._next_cluster = state["next_cluster"]
        amplification._now = state["now"]
        keys = unpack(state["keys"], "<u4").reshape(-1, BANDS).astype(np.uint64) | _BAND_TAGS
        columns = (unpack(state[name], dtype).tolist() for name, dtype in _STATE_COLUMNS)
        for cluster_id, author, last_seen, tagged in zip(*columns, map(tuple, keys.tolist()), strict=True):
            amplification._clusters[cluster_id] = _Cluster(author=author, last_seen=last_seen, keys=tagged)
            amplification._index.update(dict.fromkeys(tagged, cluster_id))
        return amplification


_STATE_COLUMNS = (("ids", "<u8"), ("authors", "<u8"), ("last_seen", "<i8"))
