from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from badbuzz.streams.validation import dead_letter, decode_mention
from badbuzz.vocabulary.errors import InvalidMention, RejectReason
from badbuzz.vocabulary.records import MAX_FOLLOWERS, MAX_TEXT_CHARS, Mention, Platform

MAX_BYTES = 65_536


def mention_dict(**changes: object) -> dict:
    data = {
        "id": "x:1234",
        "brand": "nuvola",
        "platform": "x",
        "author": {"handle": "alice", "followers": 1200},
        "text": "Nuvola en panne depuis ce matin",
        "language": "fr",
        "url": "https://example.com/x/1234",
        "created_at": "2026-03-02T14:00:05+00:00",
        "is_repost": False,
        "is_reply": True,
    }
    data.update(changes)
    return data


def encode(data: object) -> bytes:
    return json.dumps(data).encode()


def rejection(raw: bytes | None, *, max_bytes: int = MAX_BYTES, brands: tuple[str, ...] = ()) -> InvalidMention:
    with pytest.raises(InvalidMention) as caught:
        decode_mention(raw, max_bytes=max_bytes, brands=brands)
    return caught.value


def test_accepts_a_valid_mention() -> None:
    mention = decode_mention(encode(mention_dict()), max_bytes=MAX_BYTES)

    assert isinstance(mention, Mention)
    assert mention.id == "x:1234"
    assert mention.brand == "nuvola"
    assert mention.platform is Platform.X
    assert mention.author.handle == "alice"
    assert mention.author.followers == 1200
    assert mention.language == "fr"
    assert str(mention.url) == "https://example.com/x/1234"
    assert mention.created_at == datetime(2026, 3, 2, 14, 0, 5, tzinfo=UTC)
    assert mention.is_reply and not mention.is_repost


def test_accepts_unknown_extra_fields() -> None:
    mention = decode_mention(encode(mention_dict(sentiment=-0.8)), max_bytes=MAX_BYTES)
    assert mention.id == "x:1234"


def test_rejects_a_null_value() -> None:
    error = rejection(None)
    assert error.reason is RejectReason.INVALID_JSON
    assert "null" in error.detail


def test_rejects_oversized_raw_bytes_before_reading_them() -> None:
    raw = encode(mention_dict())
    error = rejection(raw, max_bytes=len(raw) - 1)
    assert error.reason is RejectReason.TOO_LARGE
    assert str(len(raw)) in error.detail
    assert str(len(raw) - 1) in error.detail


def test_accepts_a_message_of_exactly_max_bytes() -> None:
    raw = encode(mention_dict())
    assert decode_mention(raw, max_bytes=len(raw)).id == "x:1234"


def test_rejects_invalid_utf8() -> None:
    raw = encode(mention_dict()).replace(b"Nuvola en panne", b"Nuvola \xff\xfe panne")
    error = rejection(raw)
    assert error.reason is RejectReason.INVALID_UTF8
    bad_byte = raw.index(b"\xff")
    assert error.detail.startswith(f"byte {bad_byte}:")


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", b'{"id": "x:1",', b"\x00"], ids=["garbage", "empty", "truncated", "nul"]
)
def test_rejects_malformed_json(raw: bytes) -> None:
    assert rejection(raw).reason is RejectReason.INVALID_JSON


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"a string"', b"42", b"null"], ids=["array", "string", "number", "null"])
def test_rejects_json_that_is_not_an_object(raw: bytes) -> None:
    error = rejection(raw)
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert "object" in error.detail


@pytest.mark.parametrize("field", ["id", "brand", "platform", "author", "text", "created_at"])
def test_rejects_a_missing_required_field(field: str) -> None:
    data = mention_dict()
    del data[field]
    error = rejection(encode(data))
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert field in error.detail


def test_rejects_followers_as_a_string() -> None:
    error = rejection(encode(mention_dict(author={"handle": "alice", "followers": "1200"})))
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert "author.followers" in error.detail


def raw_with_followers(number: str) -> bytes:
    """A mention whose follower count is written as given: JSON integers have no size limit."""
    return encode(mention_dict(author={"handle": "alice", "followers": 7})).replace(b'"followers": 7', number.encode())


@pytest.mark.parametrize(
    "number", ["1" + "0" * 400, str(MAX_FOLLOWERS + 1), "-1", "NaN", "Infinity", "-Infinity", "1e400", "12.5"]
)
def test_rejects_followers_out_of_range_or_not_a_whole_number(number: str) -> None:
    error = rejection(raw_with_followers(f'"followers": {number}'))
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert error.detail.startswith("author.followers:")
    # The detail says what is wrong without echoing a 400-digit number.
    assert len(error.detail) < 200


def test_accepts_followers_at_the_limit() -> None:
    raw = raw_with_followers(f'"followers": {MAX_FOLLOWERS}')
    assert decode_mention(raw, max_bytes=MAX_BYTES).author.followers == MAX_FOLLOWERS


def test_rejects_brand_as_a_number() -> None:
    error = rejection(encode(mention_dict(brand=42)))
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert error.detail.startswith("brand:")


def test_rejects_a_naive_datetime() -> None:
    error = rejection(encode(mention_dict(created_at="2026-03-02T14:00:05")))
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert "created_at" in error.detail


@pytest.mark.parametrize("created_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_rejects_a_time_outside_the_calendar_once_in_utc(created_at: str) -> None:
    error = rejection(encode(mention_dict(created_at=created_at)))
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert error.detail.startswith("created_at:")


def test_keeps_created_at_in_utc() -> None:
    mention = decode_mention(encode(mention_dict(created_at="2026-03-02T15:00:05+01:00")), max_bytes=MAX_BYTES)
    assert mention.created_at.utcoffset() == timedelta(0)
    assert mention.created_at == datetime(2026, 3, 2, 14, 0, 5, tzinfo=UTC)


def test_rejects_text_over_the_limit() -> None:
    error = rejection(encode(mention_dict(text="a" * (MAX_TEXT_CHARS + 1))))
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert "text" in error.detail


def test_accepts_text_at_the_limit() -> None:
    mention = decode_mention(encode(mention_dict(text="a" * MAX_TEXT_CHARS)), max_bytes=MAX_BYTES)
    assert len(mention.text) == MAX_TEXT_CHARS


def test_schema_detail_lists_at_most_five_errors() -> None:
    raw = encode({"id": 1, "brand": 2, "platform": "nowhere", "author": 3, "text": 4, "created_at": 5})
    error = rejection(raw)
    assert error.reason is RejectReason.INVALID_SCHEMA
    assert error.detail.count(";") == 4
    assert "(and 1 more)" in error.detail


def test_rejects_an_unknown_brand_when_brands_are_given() -> None:
    error = rejection(encode(mention_dict(brand="acme")), brands=("nuvola", "velocia"))
    assert error.reason is RejectReason.UNKNOWN_BRAND
    assert "acme" in error.detail


def test_accepts_a_tracked_brand_when_brands_are_given() -> None:
    assert decode_mention(encode(mention_dict()), max_bytes=MAX_BYTES, brands=("velocia", "nuvola")).brand == "nuvola"


def test_accepts_any_brand_when_brands_is_empty() -> None:
    assert decode_mention(encode(mention_dict(brand="acme")), max_bytes=MAX_BYTES, brands=()).brand == "acme"


def test_dead_letter_keeps_the_original_bytes_key_and_provenance() -> None:
    raw = b'{"id": "x:1", \xff'
    error = rejection(raw)
    before = datetime.now(UTC)

    letter = dead_letter(error, topic="mentions", partition=3, offset=1234, key=b"nuvola", raw=raw)

    assert letter.reason == RejectReason.INVALID_UTF8 == "invalid_utf8"
    assert letter.detail == error.detail
    assert (letter.topic, letter.partition, letter.offset) == ("mentions", 3, 1234)
    assert base64.b64decode(letter.original) == raw
    assert base64.b64decode(letter.key) == b"nuvola"
    assert before <= letter.received_at <= datetime.now(UTC)


def test_dead_letter_of_a_null_message_without_key() -> None:
    letter = dead_letter(rejection(None), topic="mentions", partition=0, offset=7, key=None, raw=None)
    assert letter.key is None
    assert letter.original == ""
    assert letter.reason == "invalid_json"


def test_dead_letter_survives_a_json_round_trip() -> None:
    raw = b"[1, 2]"
    letter = dead_letter(rejection(raw), topic="mentions", partition=1, offset=2, key=b"\x00\xff", raw=raw)
    back = json.loads(letter.model_dump_json())
    assert back["reason"] == "invalid_schema"
    assert base64.b64decode(back["original"]) == raw
    assert base64.b64decode(back["key"]) == b"\x00\xff"
