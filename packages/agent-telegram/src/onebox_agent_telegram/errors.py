"""Errors of the Telegram agent: what the Bot API answered, mapped once at the client's edge.

The tree::

    TelegramError
    ├── ConfigError              a setting is wrong (token without secret, bad secret); at start
    ├── TelegramNetworkError     no answer (connect error, timeout): retryable, may have been sent
    └── TelegramAPIError         the Bot API answered ``ok: false`` (status_code, description)
        ├── TelegramRetryAfter       429: wait exactly ``retry_after`` seconds
        ├── TelegramMigrated         400 with ``migrate_to_chat_id``: the group became a supergroup
        ├── TelegramForbidden        403: blocked, deactivated, kicked; permanent
        ├── TelegramUnauthorized     401/404: the token is wrong; stop sending
        ├── TelegramServerError      5xx: retryable
        └── TelegramBadRequest       400 and other 4xx: permanent
            └── TelegramEntityParseError   400 "can't parse entities": resend as plain text

Messages never hold the bot token; descriptions are Telegram's, which hold no message text.
"""

from __future__ import annotations


class TelegramError(Exception):
    """Root of every error this package raises."""

    retryable: bool = False


class ConfigError(TelegramError, ValueError):
    """A setting or argument is wrong; raised at start."""


class TelegramNetworkError(TelegramError):
    """The Bot API did not answer (connection refused, timeout, broken response)."""

    retryable = True


class TelegramAPIError(TelegramError):
    """The Bot API answered a call with ``ok: false``."""

    def __init__(self, method: str, status_code: int, description: str) -> None:
        super().__init__(f"{method!r} failed with {status_code}: {description}")
        self.method = method
        self.status_code = status_code
        self.description = description


class TelegramRetryAfter(TelegramAPIError):
    """429 Too Many Requests: the bot must wait `retry_after` seconds."""

    retryable = True

    def __init__(self, method: str, status_code: int, description: str, *, retry_after: float):
        super().__init__(method, status_code, description)
        self.retry_after = retry_after


class TelegramMigrated(TelegramAPIError):
    """The group was upgraded to a supergroup: resend to `migrate_to_chat_id`."""

    def __init__(self, method: str, status_code: int, description: str, *, migrate_to_chat_id: int):
        super().__init__(method, status_code, description)
        self.migrate_to_chat_id = migrate_to_chat_id


class TelegramForbidden(TelegramAPIError):
    """403: the user blocked the bot, was deactivated, or the bot was removed from the chat."""


class TelegramUnauthorized(TelegramAPIError):
    """401/404 on every method: the bot token is wrong or revoked."""


class TelegramServerError(TelegramAPIError):
    """5xx from the Bot API: try again later."""

    retryable = True


class TelegramBadRequest(TelegramAPIError):
    """400 (and other 4xx): the request itself is wrong for this chat; retrying will not help."""


class TelegramEntityParseError(TelegramBadRequest):
    """400 "can't parse entities": the formatted text is invalid; resend it as plain text."""
