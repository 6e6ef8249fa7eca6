"""The exceptions badbuzz raises: one root, a few meaningful kinds."""

from __future__ import annotations

from enum import StrEnum


class BadbuzzError(Exception):
    """Root of every error badbuzz raises on purpose."""


class BrokerError(BadbuzzError):
    """The embedded broker cannot be found, started or reached."""


class RejectReason(StrEnum):
    """Why a raw message went to the dead-letter topic (a bounded set: safe as a metric label)."""

    TOO_LARGE = "too_large"
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    INVALID_SCHEMA = "invalid_schema"
    UNKNOWN_BRAND = "unknown_brand"
    #: Older than the brand's open windows: its window was closed and published already.
    TOO_OLD = "too_old"
    #: Dated further ahead of the worker's clock than the allowed skew.
    FROM_THE_FUTURE = "from_the_future"
    #: Valid, but processing it raised; the detail names the exception.
    PROCESSING_ERROR = "processing_error"


class InvalidMention(BadbuzzError):
    """A raw message that is not a mention we can count."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class DeliveryError(BadbuzzError):
    """A notification channel refused or failed a delivery after its retries.

    ``retryable`` tells the delivery agent what to do with the notification: keep it
    and try again later (the channel is down), or dead-letter it (the channel will
    never take it as it is).
    """

    retryable: bool = False

    def __init__(self, message: str, *, channel: str = "") -> None:
        super().__init__(message)
        self.channel = channel


class ChannelUnavailable(DeliveryError):
    """The channel is down, timing out or throttling us: nothing is wrong with the notification.

    ``retry_after`` is the wait the channel asked for (seconds), when it said.
    """

    retryable = True

    def __init__(self, message: str, *, channel: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, channel=channel)
        self.retry_after = retry_after


class DeliveryRejected(DeliveryError):
    """The channel refused the notification for good: bad request, bad credentials, unknown destination."""


class ConfigurationError(BadbuzzError):
    """A setting asks for something this installation cannot provide (a package, a language)."""
