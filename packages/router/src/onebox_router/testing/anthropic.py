"""`FakeAnthropicServer`: the Messages API with its headers, errors and rate limits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ._server import Answer, FakeServer, RecordedRequest, Script, estimate_tokens


class FakeAnthropicServer(FakeServer):
    """An Anthropic Messages API server (``POST /v1/messages``).

    Args:
        api_key: the ``x-api-key`` it accepts.
        responder: the text of a success, from the request.
    """

    def __init__(
        self,
        *,
        api_key: str = "sk-ant-test-key",
        responder: Callable[[RecordedRequest], str] | None = None,
    ) -> None:
        super().__init__(responder=responder)
        self.api_key = api_key

    def rate_limited(self, retry_after: float | None = 2.0) -> Script:
        """A 429 ``rate_limit_error`` with ``retry-after``."""
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
        body = self._error_body(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
        )
        return Script(status=429, body=body, headers=headers)

    def spend_limited(self) -> Script:
        """A 429 for the monthly spend limit: no ``retry-after``, a spend-limit error code."""
        body = self._error_body(
            429, "rate_limit_error", "You have reached your specified API usage limits."
        )
        body["error"]["details"] = {"error_code": "enforced_spend_limit_reached"}
        return Script(status=429, body=body)

    def overloaded(self) -> Script:
        """A 529 ``overloaded_error``."""
        return Script(status=529, body=self._error_body(529, "overloaded_error", "Overloaded"))

    def refusal(self) -> Script:
        """A 200 whose stop reason is ``refusal``."""
        return Script(
            body={
                "id": "msg_refusal", "type": "message", "role": "assistant",
                "model": "claude-sonnet-4-5-20250929", "content": [],
                "stop_reason": "refusal", "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 0},
            }
        )  # fmt: skip

    def _error_body(self, status: int, kind: str, message: str) -> Any:
        kinds = {401: "authentication_error", 500: "api_error", 400: "invalid_request_error"}
        return {
            "type": "error",
            "error": {"type": kinds.get(status, kind), "message": message},
            "request_id": f"req_{uuid.uuid4().hex[:12]}",
        }

    def _fail(self, status: int, kind: str, message: str) -> Answer:
        return Answer(
            status,
            {"request-id": "req_fake"},
            orjson.dumps(self._error_body(status, kind, message)),
        )

    def _rate_headers(self) -> dict[str, str]:
        reset = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "request-id": f"req_{uuid.uuid4().hex[:12]}",
            "anthropic-organization-id": "org-fake",
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "49",
            "anthropic-ratelimit-requests-reset": reset,
            "anthropic-ratelimit-tokens-limit": "40000",
            "anthropic-ratelimit-tokens-remaining": "39000",
            "anthropic-ratelimit-tokens-reset": reset,
        }

    def _respond(self, request: RecordedRequest, body: bytes) -> tuple[Answer, Script | None]:
        if request.method != "POST" or request.path != "/v1/messages":
            return self._fail(404, "not_found_error", f"Not found: {request.path}"), None
        if request.headers.get("x-api-key") != self.api_key:
            return self._fail(401, "authentication_error", "invalid x-api-key"), None
        if not request.headers.get("anthropic-version"):
            return self._fail(
                400, "invalid_request_error", "anthropic-version: header is required"
            ), None
        if "application/json" not in request.headers.get("content-type", ""):
            return self._fail(
                400, "invalid_request_error", "content-type must be application/json"
            ), None
        problem = self._validate(request.json)
        if problem is not None:
            return self._fail(400, "invalid_request_error", problem), None
        script = self._next() or Script()
        answer = self._scripted(script, lambda s: self._success(request, s))
        answer.headers = {**self._rate_headers(), **answer.headers}
        return answer, script

    @staticmethod
    def _validate(data: Any) -> str | None:
        if not isinstance(data, dict):
            return "request body must be a JSON object"
        if not isinstance(data.get("model"), str) or not data["model"]:
            return "model: Field required"
        max_tokens = data.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            return "max_tokens: Field required"
        messages = data.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages: Field required"
        expected = "user"
        for i, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if role == "system":
                return (
                    f'messages.{i}.role: Unexpected role "system". The Messages API accepts a '
                    'top-level `system` parameter, not "system" as an input message role.'
                )
            if role not in ("user", "assistant"):
                return f"messages.{i}.role: Input should be 'user' or 'assistant'"
            if role != expected:
                return (
                    'messages: roles must alternate between "user" and "assistant", '
                    'starting with "user"'
                )
            if not isinstance(message.get("content"), str | list):
                return f"messages.{i}.content: Field required"
            expected = "assistant" if role == "user" else "user"
        system = data.get("system")
        if system is not None and not isinstance(system, str | list):
            return "system: Input should be a valid string or list of text blocks"
        temperature = data.get("temperature", 1)
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 1:
            return "temperature: Input should be less than or equal to 1"
        return None

    def _success(self, request: RecordedRequest, script: Script) -> Answer:
        text = script.text if script.text is not None else self.responder(request)
        data = request.json
        prompt = estimate_tokens(str(data.get("system", ""))) + sum(
            estimate_tokens(str(m.get("content", ""))) + 4 for m in data["messages"]
        )
        usage = script.usage or (prompt, estimate_tokens(text))
        body = {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": f"{data['model']}-20250929",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {
                "input_tokens": usage[0],
                "output_tokens": usage[1],
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }
        return Answer(200, dict(script.headers), orjson.dumps(body))
