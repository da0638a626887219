"""The router's errors.

```
RouterError
├── ConfigError                  a developer mistake, raised at build time only
└── ProviderError                one call failed; `kind` says how (never leaves route())
```
`Router.route` never raises a `ProviderError`: it falls through to the next provider and, at the
end, to the offline answer; every attempt is logged and written to the calls table instead.
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal[
    "timeout",
    "rate_limited",
    "spend_limit",
    "overloaded",
    "auth",
    "bad_request",
    "server_error",
    "connection",
    "malformed",
]

#: Kinds that count against a provider's circuit breaker (its health, not our request).
BREAKER_KINDS: frozenset[str] = frozenset(
    {"timeout", "overloaded", "server_error", "connection", "malformed"}
)


class RouterError(Exception):
    """Root of the router's errors."""


class ConfigError(RouterError):
    """Bad routing configuration (unknown provider, bad TOML, bad value): raised at build time."""


class ProviderError(RouterError):
    """One provider call failed.

    Attributes:
        provider: the provider's name.
        kind: how it failed (`ErrorKind`).
        status_code: the HTTP status, when there was one.
        retry_after: seconds the provider asked us to wait, when it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        kind: ErrorKind,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.kind: ErrorKind = kind
        self.status_code = status_code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed later (everything but auth and bad requests)."""
        return self.kind not in ("auth", "bad_request")
