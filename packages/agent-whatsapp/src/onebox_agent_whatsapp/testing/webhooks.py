"""Builders of real webhook bodies: messages of every kind, statuses, envelopes, signatures.

They make webhook JSON as Meta sends it, serialised as Meta serialises it (non-ASCII as
``\\uXXXX``, ``/`` as ``\\/``), and sign those exact bytes.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from onebox_agent_whatsapp.signature import sign

from ._accounts import APP_SECRET, CUSTOMER, DISPLAY_PHONE_NUMBER, PHONE_NUMBER_ID, WABA_ID
from ._graph_errors import ERRORS

_wamids = itertools.count(1)


def new_wamid() -> str:
    """A fresh, unique-looking inbound message id."""
    return f"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQz{next(_wamids):08d}AA=="


@dataclass(frozen=True, slots=True, kw_only=True)
class Inbound:
    """One customer message as it appears in a webhook: the message and its contact."""

    message: dict[str, Any]
    contact: dict[str, Any]

    @property
    def wamid(self) -> str:
        """The message's id."""
        return str(self.message["id"])


def inbound(
    kind: str,
    content: dict[str, Any] | None = None,
    *,
    sender: str | None = CUSTOMER,
    user_id: str | None = None,
    name: str = "Sheena Nelson",
    wamid: str | None = None,
    timestamp: float = 1_800_000_000.0,
    context_id: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Inbound:
    """A customer message of type `kind` with its type object `content`.

    `sender=None` with a `user_id` is a customer known only by business-scoped user id.
    """
    message: dict[str, Any] = {}
    contact: dict[str, Any] = {"profile": {"name": name}}
    if sender is not None:
        message["from"] = sender
        contact["wa_id"] = sender
    if user_id is not None:
        message["from_user_id"] = user_id
        contact["user_id"] = user_id
    message.update(id=wamid or new_wamid(), timestamp=str(int(timestamp)), type=kind)
    if context_id:
        message["context"] = {"from": DISPLAY_PHONE_NUMBER, "id": context_id}
    if content is not None:
        message[kind] = content
    if errors:
        message["errors"] = errors
    return Inbound(message=message, contact=contact)


def text(body: str, **options: Any) -> Inbound:
    """A text message."""
    return inbound("text", {"body": body}, **options)


def button_reply(button_id: str, title: str, **options: Any) -> Inbound:
    """A tap on a reply button of an interactive message."""
    content = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
    return inbound("interactive", content, **options)


def list_reply(row_id: str, title: str, description: str = "", **options: Any) -> Inbound:
    """A choice from an interactive list."""
    row = {"id": row_id, "title": title, "description": description}
    return inbound("interactive", {"type": "list_reply", "list_reply": row}, **options)


def image(caption: str | None = None, **options: Any) -> Inbound:
    """A photo, with an optional caption."""
    content = {"id": "1479537139650973", "mime_type": "image/jpeg", "sha256": "abc="}
    if caption is not None:
        content["caption"] = caption
    return inbound("image", content, **options)


def audio(*, voice: bool = True, **options: Any) -> Inbound:
    """A voice note (or an audio file with ``voice=False``)."""
    content = {"id": "1003383421387256", "mime_type": "audio/ogg; codecs=opus", "voice": voice}
    return inbound("audio", content, **options)


def document(filename: str = "price list.pdf", **options: Any) -> Inbound:
    """A document."""
    content = {"id": "1003383421387257", "mime_type": "application/pdf", "filename": filename}
    return inbound("document", content, **options)


def location(
    latitude: float = 37.483307, longitude: float = -122.148981, **options: Any
) -> Inbound:
    """A shared location."""
    content = {
        "latitude": latitude,
        "longitude": longitude,
        "name": "Philz Coffee",
        "address": "101 Forest Ave, Palo Alto, CA 94301",
    }
    return inbound("location", content, **options)


def sticker(**options: Any) -> Inbound:
    """A sticker."""
    content = {"id": "1003383421387258", "mime_type": "image/webp", "animated": False}
    return inbound("sticker", content, **options)


def reaction(message_id: str, emoji: str = "\U0001f44d", **options: Any) -> Inbound:
    """A reaction to one of our messages (an empty emoji removes it)."""
    return inbound("reaction", {"message_id": message_id, "emoji": emoji}, **options)


def unsupported(**options: Any) -> Inbound:
    """A message type the Cloud API does not support (e.g. a poll)."""
    errors = [
        {
            "code": 131051,
            "title": "Message type unknown",
            "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."},
        }
    ]
    return inbound("unsupported", None, errors=errors, **options)


def status(
    message_id: str,
    name: str,
    *,
    recipient: str = CUSTOMER,
    timestamp: float = 1_800_000_000.0,
    error_code: int | None = None,
) -> dict[str, Any]:
    """A delivery status of one of our messages (``failed`` carries an error)."""
    data: dict[str, Any] = {
        "id": message_id,
        "status": name,
        "timestamp": str(int(timestamp)),
        "recipient_id": recipient,
    }
    if name != "failed":
        data["conversation"] = {"id": "4d5c", "origin": {"type": "service"}}
        data["pricing"] = {
            "billable": True,
            "pricing_model": "PMP",
            "category": "service",
            "type": "free_customer_service",
        }
    if error_code is not None:
        _, _, message, details = ERRORS.get(error_code, (400, "", f"Error {error_code}", ""))
        title = re.sub(r"^\(#\d+\) ", "", message)
        data["errors"] = [
            {
                "code": error_code,
                "title": title,
                "message": title,
                "error_data": {"details": details},
            }
        ]
    return data


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One ``changes[]`` element: messages and statuses of one business phone number."""

    inbound: list[Inbound] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    phone_number_id: str = PHONE_NUMBER_ID
    field: str = "messages"

    def to_json(self) -> dict[str, Any]:
        """The change as Meta sends it."""
        value: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": DISPLAY_PHONE_NUMBER,
                "phone_number_id": self.phone_number_id,
            },
        }
        if self.inbound:
            contacts: list[dict[str, Any]] = []
            for item in self.inbound:
                if item.contact not in contacts:
                    contacts.append(item.contact)
            value["contacts"] = contacts
            value["messages"] = [item.message for item in self.inbound]
        if self.statuses:
            value["statuses"] = self.statuses
        return {"value": value, "field": self.field}


def payload(*items: Inbound | dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> Any:
    """A webhook with one entry and one change holding `items` (messages and statuses)."""
    change = Change(
        inbound=[i for i in items if isinstance(i, Inbound)],
        statuses=[i for i in items if isinstance(i, dict)],
        phone_number_id=phone_number_id,
    )
    return envelope([change])


def envelope(*entries: list[Change]) -> dict[str, Any]:
    """A webhook with one entry per list of changes."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": WABA_ID, "changes": [c.to_json() for c in changes]} for changes in entries
        ],
    }


def meta_bytes(data: Any) -> bytes:
    """`data` serialised as Meta does: compact, non-ASCII as ``\\uXXXX``, ``/`` as ``\\/``."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


def signed_headers(body: bytes, app_secret: str = APP_SECRET) -> dict[str, str]:
    """The headers of Meta's POST carrying `body`, signed with `app_secret`."""
    return {
        "content-type": "application/json",
        "x-hub-signature-256": sign(body, app_secret),
        "user-agent": "facebookexternalua",
    }
