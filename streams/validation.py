"""Turning raw topic bytes into a :class:`~badbuzz.vocabulary.records.Mention`, or saying why not."""

from __future__ import annotations

import base64
from collections.abc import Collection
from datetime import UTC, datetime

from pydantic import ValidationError

from badbuzz.vocabulary.errors import InvalidMention, RejectReason
from badbuzz.vocabulary.records import DeadLetter, Mention

MAX_ERRORS_SHOWN = 5


def decode_mention(raw: bytes | None, *, max_bytes: int, brands: Collection[str] = ()) -> Mention:
    """Validate one raw message; raise :class:`InvalidMention` with a reason a human can act on.

    ``brands``, when given, are the only brands accepted: a mention of another is a
    collector misconfiguration, not a new brand to start counting.
    """
    if raw is None:
        raise InvalidMention(RejectReason.INVALID_JSON, "empty message (null value)")
    if len(raw) > max_bytes:
        raise InvalidMention(RejectReason.TOO_LARGE, f"{len(raw)} bytes, the limit is {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMention(RejectReason.INVALID_UTF8, f"byte {exc.start}: {exc.reason}") from None
    try:
        mention = Mention.model_validate_json(text)
    except ValidationError as exc:
        raise _rejection(exc) from None
    if brands and mention.brand not in brands:
        raise InvalidMention(RejectReason.UNKNOWN_BRAND, f"brand {mention.brand!r} is not tracked")
    return mention


def _rejection(exc: ValidationError) -> InvalidMention:
    errors = exc.errors(include_url=False, include_input=False)
    if any(error["type"] == "json_invalid" for error in errors):
        return InvalidMention(RejectReason.INVALID_JSON, errors[0]["msg"])
    shown = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'message'}: {error['msg']}"
        for error in errors[:MAX_ERRORS_SHOWN]
    )
    more = len(errors) - MAX_ERRORS_SHOWN
    return InvalidMention(RejectReason.INVALID_SCHEMA, shown + (f" (and {more} more)" if more > 0 else ""))


def dead_letter(
    error: InvalidMention, *, topic: str, partition: int, offset: int, key: bytes | None, raw: bytes | None
) -> DeadLetter:
    """The dead-letter record of a rejected message: reason, where it came from, its bytes."""
    return DeadLetter(
        reason=error.reason,
        detail=error.detail,
        topic=topic,
        partition=partition,
        offset=offset,
        key=base64.b64encode(key).decode() if key is not None else None,
        original=base64.b64encode(raw or b"").decode(),
        received_at=datetime.now(UTC),
    )
