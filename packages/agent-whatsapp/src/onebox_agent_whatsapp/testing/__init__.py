"""Test helpers: a fake Graph API on loopback and builders of real, signed webhook bodies.

`FakeGraphApi` is a real HTTP server on 127.0.0.1 that checks requests the way the Cloud API
does (path, bearer token, body fields for text, image, template, read receipts and media
uploads) and answers with the Cloud API's response and error shapes. Tests script errors
(`fail_next`) and slow answers (`delay_next`) and read every request back with its arrival
time (`requests`).

The builders make webhook JSON as Meta sends it, serialised as Meta serialises it (non-ASCII
as ``\\uXXXX``, ``/`` as ``\\/``), and sign those exact bytes.
"""

from __future__ import annotations

from ._accounts import (
    ACCESS_TOKEN,
    APP_SECRET,
    CUSTOMER,
    DISPLAY_PHONE_NUMBER,
    PHONE_NUMBER_ID,
    WABA_ID,
)
from ._graph_errors import ERRORS
from .graph_api import FakeGraphApi, RecordedRequest, Upload
from .webhooks import (
    Change,
    Inbound,
    audio,
    button_reply,
    document,
    envelope,
    image,
    inbound,
    list_reply,
    location,
    meta_bytes,
    new_wamid,
    payload,
    reaction,
    signed_headers,
    status,
    sticker,
    text,
    unsupported,
)

__all__ = [
    "ACCESS_TOKEN",
    "APP_SECRET",
    "CUSTOMER",
    "DISPLAY_PHONE_NUMBER",
    "ERRORS",
    "PHONE_NUMBER_ID",
    "WABA_ID",
    "Change",
    "FakeGraphApi",
    "Inbound",
    "RecordedRequest",
    "Upload",
    "audio",
    "button_reply",
    "document",
    "envelope",
    "image",
    "inbound",
    "list_reply",
    "location",
    "meta_bytes",
    "new_wamid",
    "payload",
    "reaction",
    "signed_headers",
    "status",
    "sticker",
    "text",
    "unsupported",
]
