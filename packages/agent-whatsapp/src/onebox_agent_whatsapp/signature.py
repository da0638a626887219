"""The ``X-Hub-Signature-256`` header Meta puts on every webhook POST.

It is ``sha256=`` followed by the hex HMAC-SHA256 of the raw request body keyed with the app
secret. Meta signs its own serialisation (non-ASCII as ``\\uXXXX``, ``/`` as ``\\/``), so only
the bytes as received can be verified: never a re-serialised body.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "x-hub-signature-256"
_PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The header value Meta would send for `body`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify(body: bytes, header: str | None, secret: str) -> bool:
    """Whether `header` is the signature of the raw `body` under `secret` (constant time)."""
    if not header or not header.startswith(_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = header[len(_PREFIX) :].strip().lower()
    return hmac.compare_digest(expected.encode(), given.encode("ascii", "replace"))
