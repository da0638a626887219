"""`FakeOpenAIServer`: OpenAI-compatible chat completions (Groq, Ollama, llama.cpp flavours)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from ._server import Answer, FakeServer, RecordedRequest, Script, estimate_tokens

Flavour = Literal["groq", "ollama", "llamacpp"]


class FakeOpenAIServer(FakeServer):
    """An OpenAI-compatible chat completions server (Groq, Ollama or llama.cpp flavour).

    Args:
        flavour: ``groq`` (path ``/openai/v1``, key required, rate-limit headers),
            ``ollama`` or ``llamacpp`` (path ``/v1``, key ignored).
        api_key: the key Groq accepts.
        models: models it serves (others get 404); None serves any.
        responder: the text of a success, from the request.
    """

    def __init__(
        self,
        *,
        flavour: Flavour = "groq",
        api_key: str = "gsk_test_key",
        models: tuple[str, ...] | None = None,
        responder: Callable[[RecordedRequest], str] | None = None,
    ) -> None:
        super().__init__(responder=responder)
        self.flavour: Flavour = flavour
        self.api_key = api_key
        self.models = models
        self.prefix = "/openai/v1" if flavour == "groq" else "/v1"
        self.loading = False
        self.requests_limit, self.remaining_requests = 14_400, 14_400
        self.tokens_limit, self.remaining_tokens = 6_000, 6_000

    def rate_limited(self, retry_after: float | None = 2.0, *, kind: str = "tokens") -> Script:
        """A 429: Groq's body and headers (``retry-after`` omitted when None)."""
        headers = {"retry-after": f"{retry_after:g}"} if retry_after is not None else {}
        message = (
            "Rate limit reached for model `llama-3.1-8b-instant` in organization `org_01fake` "
            "service tier `on_demand` on tokens per minute (TPM): Limit 6000, Used 5812, "
            f"Requested 451. Please try again in {retry_after or 2.63:g}s."
        )
        body = {"error": {"message": message, "type": kind, "code": "rate_limit_exceeded"}}
        return Script(status=429, body=body, headers=headers)

    def busy(self) -> Script:
        """Ollama's 503 when its queue is full."""
        return Script(
            status=503,
            body={"error": "server busy, please try again.  maximum pending requests exceeded"},
        )

    def _error_body(self, status: int, kind: str, message: str) -> Any:
        if self.flavour == "ollama":
            return {"error": message}
        if self.flavour == "llamacpp":
            return {"error": {"code": status, "message": message, "type": "server_error"}}
        code = "invalid_api_key" if status == 401 else None
        return {"error": {"message": message, "type": "invalid_request_error", "code": code}}

    def _rate_headers(self) -> dict[str, str]:
        if self.flavour != "groq":
            return {}
        return {
            "x-ratelimit-limit-requests": str(self.requests_limit),
            "x-ratelimit-remaining-requests": str(max(self.remaining_requests, 0)),
            "x-ratelimit-reset-requests": "2m59.56s",
            "x-ratelimit-limit-tokens": str(self.tokens_limit),
            "x-ratelimit-remaining-tokens": str(max(self.remaining_tokens, 0)),
            "x-ratelimit-reset-tokens": "7.66s",
        }

    def _fail(self, status: int, message: str, kind: str = "invalid_request_error") -> Answer:
        body = self._error_body(status, kind, message)
        return Answer(status, self._rate_headers(), orjson.dumps(body))

    def _respond(self, request: RecordedRequest, body: bytes) -> tuple[Answer, Script | None]:
        if self.flavour == "llamacpp" and request.method == "GET" and request.path == "/health":
            if self.loading:
                return self._fail(503, "Loading model", "unavailable_error"), None
            return Answer(200, {}, b'{"status":"ok"}'), None
        if request.method != "POST" or request.path != self.prefix + "/chat/completions":
            return self._fail(404, f"Unknown request URL: {request.method} {request.path}"), None
        if (
            self.flavour == "groq"
            and request.headers.get("authorization") != f"Bearer {self.api_key}"
        ):
            return self._fail(401, "Invalid API Key"), None
        if self.loading:
            return self._fail(503, "Loading model", "unavailable_error"), None
        problem = self._validate(request)
        if problem is not None:
            return problem, None
        script = self._next() or Script()
        self.remaining_requests -= 1
        answer = self._scripted(script, lambda s: self._success(request, s))
        answer.headers = {**self._rate_headers(), **answer.headers}
        return answer, script

    def _validate(self, request: RecordedRequest) -> Answer | None:
        if "application/json" not in request.headers.get("content-type", ""):
            return self._fail(400, "content-type must be application/json")
        data = request.json
        if not isinstance(data, dict):
            return self._fail(400, "We could not parse the JSON body of your request.")
        model = data.get("model")
        if not isinstance(model, str) or not model:
            return self._fail(400, "'model' : property 'model' is missing")
        if self.models is not None and model not in self.models:
            return self._fail(
                404, f"The model `{model}` does not exist or you do not have access to it."
            )
        messages = data.get("messages")
        if not isinstance(messages, list) or not messages:
            return self._fail(400, "'messages' : minimum number of items is 1")
        for message in messages:
            if not isinstance(message, dict) or message.get("role") not in (
                "system", "user", "assistant", "tool",
            ):  # fmt: skip
                return self._fail(400, "'messages' : each message needs a valid 'role'")
            if not isinstance(message.get("content"), str | list):
                return self._fail(400, "'messages' : each message needs 'content'")
            if self.flavour == "groq" and "name" in message:
                return self._fail(400, "'messages.name' : property 'name' is unsupported")
        if self.flavour == "groq":
            for unsupported in ("logprobs", "logit_bias", "top_logprobs"):
                if unsupported in data:
                    return self._fail(400, f"'{unsupported}' : property is unsupported")
            if data.get("n", 1) != 1:
                return self._fail(400, "'n' : number must be at most 1")
        temperature = data.get("temperature", 1)
        if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
            return self._fail(400, "'temperature' : number must be between 0 and 2")
        return None

    def _success(self, request: RecordedRequest, script: Script) -> Answer:
        text = script.text if script.text is not None else self.responder(request)
        data = request.json
        prompt = sum(estimate_tokens(str(m.get("content", ""))) + 4 for m in data["messages"])
        usage = script.usage or (prompt, estimate_tokens(text))
        body = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(datetime.now(UTC).timestamp()),
            "model": data["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "queue_time": 0.012,
                "prompt_tokens": usage[0],
                "prompt_time": 0.003,
                "completion_tokens": usage[1],
                "completion_time": 0.021,
                "total_tokens": usage[0] + usage[1],
                "total_time": 0.024,
            },
            "system_fingerprint": "fp_fake",
        }
        if self.flavour == "groq":
            body["x_groq"] = {"id": f"req_{uuid.uuid4().hex[:12]}"}
        return Answer(200, dict(script.headers), orjson.dumps(body))
