"""Errors of the WhatsApp agent, and how Graph API error codes are classified.

The tree::

    WhatsAppError
    ├── SetupError            a developer or operator mistake (missing secret, bad URL)
    ├── MalformedWebhook      an authentic webhook whose body is not the Cloud API's JSON
    └── GraphApiError         the Graph API refused a request (see `GraphApiError.kind`)

Meta asks integrators to branch on ``error.code`` (and ``error_data.details``), never on the
HTTP status, which varies for one code (130429 has been seen as 400, 403 and 429).
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["rate_limited", "permanent", "config", "transient"]

#: Codes that mean "slow down", with the wait (seconds) to use when Meta gives none.
RATE_LIMIT_DELAYS: dict[int, float] = {
    4: 60.0,  # application request limit
    80007: 60.0,  # WhatsApp Business account rate limit
    130429: 5.0,  # cloud API throughput (~80 msg/s per number)
    131048: 60.0,  # spam rate limit
    131056: 6.0,  # pair rate limit: about one message per 6 s to one user
}
#: Access, permission and account problems: an operator must act; messages are kept.
CONFIG_CODES = frozenset({0, 3, 10, 190, 131005, 131031, 131042, 133010})
#: Codes Meta marks as transient.
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 133004})
REENGAGEMENT_REQUIRED = 131047


def classify(code: int | None, *, status_code: int) -> ErrorKind:
    """Decide what a Graph API error means for a send: retry, back off, stop, or give up.

    Unknown codes are permanent on a 4xx (re-sending the same request cannot help) and
    transient on a 5xx.
    """
    if code in RATE_LIMIT_DELAYS:
        return "rate_limited"
    if code in CONFIG_CODES or (code is not None and 200 <= code <= 299):
        return "config"
    if code in TRANSIENT_CODES:
        return "transient"
    if code is None or code == -1:
        # No answer at all (timeout, refused: status 0), a 5xx or a bare 429 may pass.
        return "transient" if status_code in (0, 429) or status_code >= 500 else "permanent"
    if status_code >= 500 and not (131000 <= code <= 133999):
        return "transient"
    return "permanent"


class WhatsAppError(Exception):
    """Root of every error this package raises."""


class SetupError(WhatsAppError, ValueError):
    """A setting or argument is wrong; raised at start, before anything is sent."""


class MalformedWebhook(WhatsAppError, ValueError):
    """An authentic webhook whose body is not valid Cloud API JSON."""


class GraphApiError(WhatsAppError):
    """The Graph API answered with an error object.

    Attributes:
        status_code: the HTTP status.
        code: ``error.code`` (None when the body had no error object).
        subcode: ``error.error_subcode`` when given.
        title: ``error.message``.
        details: ``error.error_data.details`` when given.
        fbtrace_id: Meta's trace id, for support requests.
        is_transient: Meta's ``error.is_transient`` when given: it overrides the code's
            class between "transient" and "permanent" (a 400 Meta marks permanent is not
            retried, whatever its code).
        kind: what the sender should do (`classify`, then `is_transient`).
    """

    def __init__(
        self,
        *,
        status_code: int,
        code: int | None,
        title: str,
        subcode: int | None = None,
        details: str | None = None,
        fbtrace_id: str | None = None,
        is_transient: bool | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.subcode = subcode
        self.title = title
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.is_transient = is_transient
        kind = classify(code, status_code=status_code)
        if is_transient is False and kind == "transient":
            kind = "permanent"
        elif is_transient is True and kind == "permanent":
            kind = "transient"
        self.kind: ErrorKind = kind
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """One line for a dead letter or a log: code, title and details, never the request."""
        text = f"graph api error {self.code!r} (HTTP {self.status_code}): {self.title}"
        if self.details and self.details != self.title:
            text += f" - {self.details}"
        return text

    @property
    def retry_after(self) -> float | None:
        """The wait before retrying a rate-limited send, in seconds."""
        if self.kind == "rate_limited" and self.code is not None:
            return RATE_LIMIT_DELAYS[self.code]
        return None
