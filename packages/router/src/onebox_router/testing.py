"""Test fakes: loopback servers speaking the providers' real protocols; a function provider.

`FakeOpenAIServer` speaks OpenAI-compatible chat completions in three flavours: ``groq``
(bearer key required, Groq's ``x-ratelimit-*`` headers on every response, Groq's 400s for
unsupported fields), ``ollama`` (``/v1``, key ignored, 503 "server busy") and ``llamacpp``
(``/health`` and 503 "Loading model" while `loading`). `FakeAnthropicServer` speaks the Messages
API with its required headers and fields, error envelope, rate-limit headers, 429 with and
without ``retry-after`` and 529. Both validate requests as strictly as the real APIs, record
every request, and answer from a script (`push`) or, when the script is empty, with a success
whose text comes from `responder`. They listen on 127.0.0.1 on a free port, in a thread, and
work from sync and async tests alike::

    with FakeOpenAIServer(flavour="groq") as groq:
        groq.push(groq.rate_limited(retry_after=7))
        ... OpenAICompatProvider("groq", http=client, base_url=groq.url, api_key=groq.api_key,
                                 model="llama-3.1-8b-instant")

`FunctionProvider` is a `Provider` that runs a test function.
"""

from __future__ import annotations

import inspect
import socket
import threading
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self

import orjson

from .conversation import Completion, Conversation, Role, Turn
from .errors import ProviderError
from .policy import ProviderConfig, ProviderKind
from .prices import FREE, Price
from .provider import CompletionRequest

Flavour = Literal["groq", "ollama", "llamacpp"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Script:
    """One scripted response.

    Attributes:
        status: HTTP status.
        body: a JSON-able value, raw bytes (e.g. malformed JSON), or None for a success whose
            text comes from `text` or the server's responder.
        headers: extra response headers.
        delay: seconds to wait before answering.
        hang: never answer (until the server stops).
        text: the answer text of a success.
        usage: (input, output) tokens of a success; estimated from the texts when None.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False
    text: str | None = None
    usage: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """A request a fake server received (headers lower-cased; `json` None when not JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any

    @property
    def question(self) -> str:
        """The text of the last user message, for responders."""
        messages = self.json.get("messages", []) if isinstance(self.json, dict) else []
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, str):
                    return content
                if isinstance(content, list):
                    return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        return ""


@dataclass(slots=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class _FakeServer:
    """The loopback HTTP plumbing both fakes share."""

    prefix = ""

    def __init__(self, *, responder: Callable[[RecordedRequest], str] | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self.responder = responder or (lambda request: f"Answer to: {request.question}")
        self._script: deque[Script] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle plus delayed
                # ACKs add ~40 ms to every loopback response.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                fake._serve(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                fake._serve(self, self.rfile.read(length))

            def log_message(self, format: str, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None  # a client that gave up (timeout) closed the socket: expected

        self._stop.clear()
        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Release hanging requests and stop listening."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The base URL a provider is configured with."""
        return self.origin + self.prefix

    # --- scripting -------------------------------------------------------------------------
    def push(self, *scripts: Script) -> None:
        """Answer the next requests with `scripts`, in order (then with successes again)."""
        with self._lock:
            self._script.extend(scripts)

    def answer(
        self, text: str, *, usage: tuple[int, int] | None = None, delay: float = 0.0
    ) -> Script:
        """A success with `text`."""
        return Script(text=text, usage=usage, delay=delay)

    def hang(self) -> Script:
        """A request that is never answered."""
        return Script(hang=True)

    def slow(self, delay: float, text: str | None = None) -> Script:
        """A success after `delay` seconds."""
        return Script(delay=delay, text=text)

    def malformed(self) -> Script:
        """A 200 whose body is not valid JSON."""
        return Script(status=200, body=b'{"choices": [ {"message": ', headers={})

    def server_error(self) -> Script:
        """A 500."""
        return Script(status=500, body=self._error_body(500, "server_error", "Internal error"))

    def unauthorized(self) -> Script:
        """A 401 as for a bad key."""
        return Script(status=401, body=self._error_body(401, "auth", "Invalid API Key"))

    @property
    def pending(self) -> int:
        """Scripted responses not used yet."""
        return len(self._script)

    # --- plumbing --------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes, Script | None]:
        """Record one request and say how to answer it: the protocol without the transport.

        `headers` have lower-case names. Returns (status, headers, body, script); a script
        that says `hang` or `delay` asks the transport to hold the answer that long. Another
        loopback transport (a benchmark's asyncio server) can serve the fake through this.
        """
        try:
            parsed = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            parsed = None
        request = RecordedRequest(method=method, path=path, headers=headers, body=body, json=parsed)
        with self._lock:
            self.requests.append(request)
        answer, script = self._respond(request, body)
        return (
            answer.status,
            {"content-type": "application/json", **answer.headers},
            answer.body,
            script,
        )

    def _serve(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        status, answer_headers, answer, script = self.handle(
            handler.command, handler.path, headers, body
        )
        if script is not None and script.hang:
            self._stop.wait(60)
            handler.close_connection = True
            return
        if script is not None and script.delay and self._stop.wait(script.delay):
            handler.close_connection = True
            return
        handler.send_response(status)
        for name, value in answer_headers.items():
            handler.send_header(name, value)
        handler.send_header("content-length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def _next(self) -> Script | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _scripted(self, script: Script, success: Callable[[Script], _Answer]) -> _Answer:
        if script.status == 200 and script.body is None:
            return success(script)
        body = script.body if isinstance(script.body, bytes) else orjson.dumps(script.body)
        return _Answer(script.status, dict(script.headers), body)

    def _respond(self, request: RecordedRequest, body: bytes) -> tuple[_Answer, Script | None]:
        raise NotImplementedError

    def _error_body(self, status: int, kind: str, message: str) -> Any:
        raise NotImplementedError


class FakeOpenAIServer(_FakeServer):
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

    def _fail(self, status: int, message: str, kind: str = "invalid_request_error") -> _Answer:
        body = self._error_body(status, kind, message)
        return _Answer(status, self._rate_headers(), orjson.dumps(body))

    def _respond(self, request: RecordedRequest, body: bytes) -> tuple[_Answer, Script | None]:
        if self.flavour == "llamacpp" and request.method == "GET" and request.path == "/health":
            if self.loading:
                return self._fail(503, "Loading model", "unavailable_error"), None
            return _Answer(200, {}, b'{"status":"ok"}'), None
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

    def _validate(self, request: RecordedRequest) -> _Answer | None:
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

    def _success(self, request: RecordedRequest, script: Script) -> _Answer:
        text = script.text if script.text is not None else self.responder(request)
        data = request.json
        prompt = sum(_tokens(str(m.get("content", ""))) + 4 for m in data["messages"])
        usage = script.usage or (prompt, _tokens(text))
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
        return _Answer(200, dict(script.headers), orjson.dumps(body))


class FakeAnthropicServer(_FakeServer):
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

    def _fail(self, status: int, kind: str, message: str) -> _Answer:
        return _Answer(
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

    def _respond(self, request: RecordedRequest, body: bytes) -> tuple[_Answer, Script | None]:
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

    def _success(self, request: RecordedRequest, script: Script) -> _Answer:
        text = script.text if script.text is not None else self.responder(request)
        data = request.json
        prompt = _tokens(str(data.get("system", ""))) + sum(
            _tokens(str(m.get("content", ""))) + 4 for m in data["messages"]
        )
        usage = script.usage or (prompt, _tokens(text))
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
        return _Answer(200, dict(script.headers), orjson.dumps(body))


FunctionResult = str | Completion


class FunctionProvider:
    """A `Provider` that runs `fn(request)` (sync or async) and records each request.

    `fn` returns the answer text or a `Completion`, or raises `ProviderError` to fail.
    """

    def __init__(
        self,
        fn: Callable[[CompletionRequest], FunctionResult | Awaitable[FunctionResult]],
        *,
        name: str = "function",
        model: str = "function-model",
    ) -> None:
        self.name = name
        self.model = model
        self.requests: list[CompletionRequest] = []
        self._fn = fn

    async def complete(self, request: CompletionRequest) -> Completion:
        """Run the function; a text becomes a `Completion` with estimated usage."""
        self.requests.append(request)
        result = self._fn(request)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Completion):
            return result
        if not isinstance(result, str):
            raise ProviderError(
                f"{self.name!r} returned {type(result).__name__}", provider=self.name,
                kind="malformed",
            )  # fmt: skip
        prompt = sum(_tokens(turn.text) for turn in request.turns) + _tokens(request.system)
        return Completion(
            text=result, model=self.model, input_tokens=prompt, output_tokens=_tokens(result)
        )


def conversation(
    text: str,
    *history: tuple[Role, str],
    system: str = "You are the assistant of Casa Verde, a plant shop. Answer briefly.",
    correlation_id: str = "corr-test",
) -> Conversation:
    """A conversation whose new message is `text`, after `history` ((role, text) pairs)."""
    turns = [Turn(role=role, text=said) for role, said in history]
    return Conversation(
        system=system,
        turns=[*turns, Turn(role="user", text=text)],
        channel="telegram",
        conversation_id="42",
        correlation_id=correlation_id,
    )


def provider_config(
    name: str,
    *,
    kind: ProviderKind = "openai",
    base_url: str = "",
    model: str = "test-model",
    api_key: str | None = None,
    timeout_s: float = 5.0,
    price: Price = FREE,
    monthly_budget_usd: float | None = None,
    rpm: float | None = None,
    tpm: float | None = None,
) -> ProviderConfig:
    """A `ProviderConfig` for tests, with no limits and a zero price unless given."""
    return ProviderConfig(
        name=name, kind=kind, base_url=base_url, model=model, api_key=api_key,
        timeout_s=timeout_s, connect_timeout_s=1.0, rpm=rpm, tpm=tpm, price=price,
        monthly_budget_usd=monthly_budget_usd, max_tokens=128, temperature=0.3,
    )  # fmt: skip
