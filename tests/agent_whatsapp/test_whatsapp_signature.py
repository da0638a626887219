"""X-Hub-Signature-256 over the raw body, as Meta serialises and signs it."""

from __future__ import annotations

import json

from onebox_agent_whatsapp.signature import sign, verify
from onebox_agent_whatsapp.testing import APP_SECRET, meta_bytes, payload, text


def test_meta_escapes_non_ascii_and_slash() -> None:
    body = meta_bytes(payload(text("Ça coûte 5€/kg? 👍")))
    assert b"\\u00c7a" in body
    assert b"5\\u20ac\\/kg" in body
    assert b"\\ud83d\\udc4d" in body
    assert body.isascii()


def test_signature_of_raw_bytes_verifies() -> None:
    body = meta_bytes(payload(text("Ça coûte 5€/kg?")))
    assert verify(body, sign(body, APP_SECRET), APP_SECRET)


def test_reserialised_body_does_not_verify() -> None:
    body = meta_bytes(payload(text("Ça coûte 5€/kg?")))
    header = sign(body, APP_SECRET)
    reserialised = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert reserialised != body
    assert not verify(reserialised, header, APP_SECRET)


def test_wrong_secret_missing_header_or_prefix_fail() -> None:
    body = meta_bytes(payload(text("hi")))
    good = sign(body, APP_SECRET)
    assert not verify(body, sign(body, "another-secret"), APP_SECRET)
    assert not verify(body, None, APP_SECRET)
    assert not verify(body, "", APP_SECRET)
    assert not verify(body, good.removeprefix("sha256="), APP_SECRET)
    assert not verify(body, "sha1=" + good.removeprefix("sha256="), APP_SECRET)
    assert not verify(body, "sha256=zz\u00e9", APP_SECRET)
    assert verify(body, good.upper().replace("SHA256=", "sha256="), APP_SECRET)
