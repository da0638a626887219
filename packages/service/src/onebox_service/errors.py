"""Errors of the service kit: delivery outcomes a channel reports, and webhook rejections.

The tree::

    ChannelError
    ├── DeliveryError                 a send failed; the sender picks the bus action from the class
    │   ├── RateLimited               the platform said "slow down": retry after `retry_after` s
    │   ├── TransientDeliveryError    5xx, timeout, connection reset: retry with backoff
    │   └── PermanentDeliveryError    blocked, unknown chat, outside the window: dead letter
    └── ChannelConfigError            a token or setting is wrong (401 from the platform):
                                      the message is retried later, the operator must act
    WebhookRejected                   a webhook the service refuses (HTTP status + short reason)
    ├── BodyTooLarge                  413
    └── BadWebhook                    400 (not JSON, not an update)
"""

from __future__ import annotations

from typing import Literal

RateScope = Literal["conversation", "global"]


class ChannelError(Exception):
    """Root of the errors a channel raises."""

    retryable: bool = False


class DeliveryError(ChannelError):
    """A reply could not be delivered; `reason` is short and holds no message text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RateLimited(DeliveryError):
    """The platform refused for rate: retry after exactly `retry_after` seconds.

    `scope` says whether the limit holds for this conversation only or for the whole bot.
    """

    retryable = True

    def __init__(
        self, retry_after: float, *, reason: str = "rate limited", scope: RateScope = "conversation"
    ) -> None:
        super().__init__(f"{reason} (retry after {retry_after:g}s)")
        self.retry_after = max(0.0, float(retry_after))
        self.scope: RateScope = scope


class TransientDeliveryError(DeliveryError):
    """A failure that may pass (5xx, timeout, network): retry with backoff."""

    retryable = True

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """A failure that will not pass by retrying (bot blocked, chat gone): dead letter."""


class ChannelConfigError(ChannelError):
    """The channel is misconfigured (bad token); retried later, an operator must fix it."""

    retryable = True


class WebhookRejected(Exception):
    """A webhook the service refuses, with the HTTP status and a short reason to answer."""

    status_code = 400

    def __init__(self, reason: str, *, status_code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if status_code is not None:
            self.status_code = status_code


class BodyTooLarge(WebhookRejected):
    """The body is over the size limit: 413."""

    status_code = 413


class BadWebhook(WebhookRejected):
    """The body is not what the platform sends (not JSON, not an update): 400."""

    status_code = 400
