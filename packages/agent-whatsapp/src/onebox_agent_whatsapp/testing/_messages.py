"""The messages endpoint as `FakeGraphApi` answers it: text, images, templates, read receipts.

``POST /{version}/{phone-number-id}/messages`` bodies are checked like the Cloud API checks
them. The 24-hour window is enforced for every customer the fake was told wrote
(`customer_wrote`): free-form text more than 24 hours after that customer's last message is
refused with 131047 (an image too). An image names an uploaded JPEG or PNG by ``id`` (an
unknown id, or one that is not such an image, answers 100 at once where Meta would fail it
later with 131053) or an HTTPS ``link``, with at most 1024 characters of caption. Templates
are checked strictly against the approved ones
(`add_template`): an unknown name or language answers 132001, a wrong number of body
parameters 132000, a text parameter with a newline, a tab, more than four consecutive spaces
or over 1024 characters answers 100.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable

from ._graph_errors import _error, _ok, _Script, _scripted_error
from ._media import MediaStore

WINDOW = 24 * 3600.0
TEXT_LIMIT = 4096
TEMPLATE_PARAM_LIMIT = 1024
CAPTION_LIMIT = 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_BAD_PARAM = re.compile(r"[\n\t]| {5,}")


class MessagesEndpoint:
    """What the messages endpoint knows: customers' windows and approved templates."""

    def __init__(self, *, clock: Callable[[], float], media: MediaStore) -> None:
        self.clock = clock
        self.media = media
        self._last_inbound: dict[str, float] = {}
        self._templates: dict[tuple[str, str], int] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def customer_wrote(self, wa_id: str, *, at: float | None = None) -> None:
        """The customer `wa_id` wrote at `at` (default: the clock now): their window."""
        with self._lock:
            self._last_inbound[wa_id] = self.clock() if at is None else at

    def add_template(self, name: str, language: str, *, body_params: int = 0) -> None:
        """Approve the template `name` in `language` with `body_params` body variables."""
        with self._lock:
            self._templates[(name, language)] = body_params

    def answer(self, raw: bytes) -> _Script:
        """The answer to one POST to the messages endpoint."""
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(100, "(#100) Invalid parameter", 400, details="Request body is not JSON")
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return _error(100, "(#100) The parameter messaging_product is required.", 400)
        if body.get("status") == "read":
            return _read_receipt(body)
        to = body.get("to") or body.get("recipient")
        if not isinstance(to, str) or not to:
            return _error(100, "(#100) The parameter to is required.", 400)
        kind = body.get("type", "text")
        if kind == "text":
            refused = self._check_text(to, body.get("text"))
        elif kind == "image":
            refused = self._check_image(to, body.get("image"))
        elif kind == "template":
            refused = self._check_template(body.get("template"))
        else:
            refused = _error(100, f"(#100) Param type {kind!r} is not supported here.", 400)
        if refused is not None:
            return refused
        wamid = f"wamid.FAKE{next(self._ids):012d}"
        message: dict[str, str] = {"id": wamid}
        if kind == "template":
            message["message_status"] = "accepted"
        return _ok(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [message],
            }
        )

    def _window_closed(self, to: str) -> _Script | None:
        with self._lock:
            wrote = self._last_inbound.get(to)
        if wrote is not None and self.clock() - wrote > WINDOW:
            return _scripted_error(131047)
        return None

    def _check_text(self, to: str, text: object) -> _Script | None:
        text_body = text.get("body") if isinstance(text, dict) else None
        if not isinstance(text_body, str) or not text_body:
            return _error(100, "(#100) The parameter text['body'] is required.", 400)
        if len(text_body) > TEXT_LIMIT:
            return _error(
                100,
                "(#100) Invalid parameter",
                400,
                details="Param text['body'] must be at most 4096 characters long.",
            )
        return self._window_closed(to)

    def _check_image(self, to: str, image: object) -> _Script | None:
        if not isinstance(image, dict):
            return _error(100, "(#100) The parameter image is required.", 400)
        media_id, link = image.get("id"), image.get("link")
        if (media_id is None) == (link is None):
            return _error(
                100, "(#100) Invalid parameter", 400,
                details="Param image must have exactly one of id or link",
            )  # fmt: skip
        if link is not None and not (isinstance(link, str) and link.startswith("https://")):
            return _error(100, "(#100) Invalid parameter", 400, details="image['link']: not HTTPS")
        if media_id is not None:
            media = self.media.get(str(media_id))
            if media is None or media.mime_type not in IMAGE_TYPES:
                return _error(
                    100, "(#100) Invalid parameter", 400,
                    details=f"Param image['id'] ({media_id}) is not an uploaded JPEG or PNG",
                )  # fmt: skip
        caption = image.get("caption")
        if caption is not None and (not isinstance(caption, str) or len(caption) > CAPTION_LIMIT):
            return _error(
                100, "(#100) Invalid parameter", 400,
                details="Param image['caption'] must be at most 1024 characters long.",
            )  # fmt: skip
        return self._window_closed(to)

    def _check_template(self, template: object) -> _Script | None:
        """None when `template` names an approved template with the right parameters."""
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            return _error(100, "(#100) The parameter template['name'] is required.", 400)
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if not isinstance(code, str):
            return _error(100, "(#100) The parameter template['language'] is required.", 400)
        name = template["name"]
        with self._lock:
            expected = self._templates.get((name, code))
        if not _TEMPLATE_NAME.fullmatch(name) or expected is None:
            return _scripted_error(
                132001, details=f"template name ({name}) does not exist in {code}"
            )
        components = template.get("components", [])
        if not isinstance(components, list):
            return _error(100, "(#100) Invalid parameter", 400, details="components: not a list")
        texts: list[str] = []
        for component in components:
            if not isinstance(component, dict) or component.get("type") not in (
                "header",
                "body",
                "button",
            ):
                return _error(100, "(#100) Invalid parameter", 400, details="component type")
            if component["type"] != "body":
                return _scripted_error(132000, details="the template has no header or buttons")
            for param in component.get("parameters", []):
                if not isinstance(param, dict) or param.get("type") != "text":
                    return _error(100, "(#100) Invalid parameter", 400, details="param type")
                text = param.get("text")
                if not isinstance(text, str) or not text:
                    return _error(100, "(#100) The parameter text is required.", 400)
                if _BAD_PARAM.search(text) or len(text) > TEMPLATE_PARAM_LIMIT:
                    return _error(
                        100,
                        "(#100) Invalid parameter",
                        400,
                        details="Param text cannot have new-line/tab characters or more than "
                        "4 consecutive spaces, and at most 1024 characters",
                    )
                texts.append(text)
        if len(texts) != expected:
            return _scripted_error(
                132000,
                details=f"body: number of localizable_params ({len(texts)}) does not match "
                f"the expected number of params ({expected})",
            )
        return None


def _read_receipt(body: dict[str, object]) -> _Script:
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        return _error(100, "(#100) The parameter message_id is required.", 400)
    if "typing_indicator" in body:
        indicator = body["typing_indicator"]
        if not isinstance(indicator, dict) or indicator.get("type") != "text":
            return _error(
                100,
                "(#100) Invalid parameter",
                400,
                details="Param typing_indicator['type'] must be one of {TEXT}.",
            )
    return _ok({"success": True})
