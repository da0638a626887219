"""The Cloud API's error answers, as `FakeGraphApi` gives them (codes, statuses, shapes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

#: The Cloud API's error answers by code: (HTTP status, type, message, details).
ERRORS: dict[int, tuple[int, str, str, str]] = {
    1: (500, "OAuthException", "An unknown error occurred", "Invalid request or server error."),
    2: (503, "OAuthException", "Service temporarily unavailable", "Temporary downtime."),
    4: (400, "OAuthException", "(#4) Application request limit reached", "Too many calls."),
    100: (400, "OAuthException", "(#100) Invalid parameter", "Invalid parameter."),
    190: (401, "OAuthException", "Error validating access token", "Session has expired."),
    368: (
        403,
        "OAuthException",
        "(#368) Temporarily blocked for policies violations",
        "The account was restricted for violating the platform policy.",
    ),
    80007: (
        400,
        "OAuthException",
        "(#80007) Rate limit issues",
        "The WhatsApp Business Account has reached its rate limit.",
    ),
    130429: (
        400,
        "OAuthException",
        "(#130429) Rate limit hit",
        "Cloud API message throughput has been reached.",
    ),
    131000: (500, "OAuthException", "(#131000) Something went wrong", "Something went wrong."),
    131026: (
        400,
        "OAuthException",
        "(#131026) Message Undeliverable",
        "Unable to deliver the message to the recipient.",
    ),
    131030: (
        400,
        "OAuthException",
        "(#131030) Recipient phone number not in allowed list",
        "Add the recipient phone number to the recipient list and try again.",
    ),
    132000: (
        400,
        "OAuthException",
        "(#132000) Number of parameters does not match the expected number of params",
        "body: number of localizable_params does not match the expected number of params",
    ),
    132001: (
        404,
        "OAuthException",
        "(#132001) Template name does not exist in the translation",
        "template name does not exist in the language",
    ),
    131047: (
        400,
        "OAuthException",
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    131056: (
        400,
        "OAuthException",
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone "
        "number in a short period of time.",
    ),
}


@dataclass(slots=True, kw_only=True)
class _Script:
    status: int
    body: bytes
    content_type: str = "application/json"


def _ok(data: dict[str, Any]) -> _Script:
    return _Script(status=200, body=json.dumps(data).encode())


def _error_body(
    code: int,
    kind: str,
    message: str,
    details: str | None,
    subcode: int | None = None,
    *,
    is_transient: bool | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> bytes:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if user_title is not None:
        error["error_user_title"] = user_title
    if user_msg is not None:
        error["error_user_msg"] = user_msg
    if is_transient is not None:
        error["is_transient"] = is_transient
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = "AbCdEfGhIjKlMnOp"
    return json.dumps({"error": error}).encode()


def _error(
    code: int,
    message: str,
    status: int,
    *,
    kind: str = "OAuthException",
    subcode: int | None = None,
    details: str | None = None,
    user_title: str | None = None,
    user_msg: str | None = None,
) -> _Script:
    body = _error_body(
        code, kind, message, details, subcode, user_title=user_title, user_msg=user_msg
    )
    return _Script(status=status, body=body)


def _scripted_error(code: int, *, details: str | None = None) -> _Script:
    """The Cloud API's error answer `code` from `ERRORS`."""
    status, kind, message, default_details = ERRORS[code]
    return _error(code, message, status, kind=kind, details=details or default_details)
