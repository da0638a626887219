"""Who may open the dashboard, and the CSRF check on its one state-changing request.

With ``ONEBOX_ADMIN_TOKEN`` set, every request needs it: ``Authorization: Bearer <token>``,
or a session cookie that the login form set (being on loopback opens nothing). Without a
token the dashboard is open only while the app is bound to loopback, and then only to
requests made on this machine through no proxy (a reverse proxy on the host connects from
127.0.0.1 on behalf of anyone). The session cookie holds an expiry time and an HMAC of it
under a key derived from the admin token: nothing is stored server-side, a restart keeps
people signed in, and changing the token signs everyone out.

Every request must name the dashboard in its ``Host`` header: a loopback name (``localhost``,
``127.0.0.1``, ``[::1]``) or the configured public name (``ONEBOX_PUBLIC_HOST``). A page on
another site that rebinds its own DNS name to 127.0.0.1 sends its own name, and is refused.
Failed sign-ins are limited per client address and overall (`LoginLimiter`).

The replay button's POST must carry the CSRF token both as the ``onebox_csrf`` cookie
(HttpOnly, SameSite=Strict) and in the ``X-CSRF-Token`` header, read by our script from the
page (double submit). The token is a nonce with an HMAC under a key of this process, so a
cookie planted by another site does not pass either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping

from onebox_service import direct_from_loopback, is_loopback
from pydantic import SecretStr

SESSION_COOKIE = "onebox_session"
CSRF_COOKIE = "onebox_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600
LOGIN_FAILURES_PER_CLIENT = 5
LOGIN_FAILURES_OVERALL = 30
LOGIN_WINDOW_SECONDS = 60.0


def host_name(header: str) -> str:
    """The name in a ``Host`` header, lower-case, without the port (``[::1]:3003`` -> ``::1``)."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    name = value.rsplit(":", 1)[0] if value.count(":") == 1 else value
    return name.rstrip(".")  # "bot.example.com." names the same host


class LoginLimiter:
    """Failed sign-ins allowed per client address and overall within a sliding window.

    Args:
        per_client: failures one address may make per window.
        overall: failures all addresses together may make per window (a spread-out guess).
        window: the window in seconds.
        clock: the time source.
    """

    def __init__(
        self,
        *,
        per_client: int = LOGIN_FAILURES_PER_CLIENT,
        overall: int = LOGIN_FAILURES_OVERALL,
        window: float = LOGIN_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_client = per_client
        self.overall = overall
        self.window = window
        self.clock = clock
        self._all: deque[float] = deque()
        self._by_client: dict[str, deque[float]] = {}

    def _prune(self, now: float) -> None:
        cutoff = now - self.window
        while self._all and self._all[0] <= cutoff:
            self._all.popleft()
        for client in list(self._by_client):
            times = self._by_client[client]
            while times and times[0] <= cutoff:
                times.popleft()
            if not times:
                del self._by_client[client]

    def retry_after(self, client: str) -> float:
        """Seconds until `client` may try again (0.0: it may try now)."""
        now = self.clock()
        self._prune(now)
        waits = [0.0]
        mine = self._by_client.get(client)
        if mine is not None and len(mine) >= self.per_client:
            waits.append(mine[0] + self.window - now)
        if len(self._all) >= self.overall:
            waits.append(self._all[0] + self.window - now)
        return max(waits)

    def failed(self, client: str) -> None:
        """Count one failed sign-in from `client`."""
        now = self.clock()
        self._all.append(now)
        self._by_client.setdefault(client, deque()).append(now)


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


class Access:
    """Decides whether a request may see the dashboard, and issues/checks its tokens.

    Args:
        host: the address the app is bound to (``ONEBOX_HOST``).
        token: the admin token (``ONEBOX_ADMIN_TOKEN``), or None.
        public_hosts: the names the dashboard is reached under besides the loopback ones
            (``ONEBOX_PUBLIC_HOST``, through the reverse proxy).
        clock: the time source.
    """

    def __init__(
        self,
        *,
        host: str,
        token: SecretStr | None,
        public_hosts: Iterable[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        secret = token.get_secret_value() if token is not None else ""
        self.configured = bool(secret)
        #: No token and a loopback bind: open to requests made on this machine only.
        self.open = not self.configured and is_loopback(host)
        self.public_hosts = frozenset(host_name(h) for h in public_hosts if h.strip())
        self._token = secret.encode()
        self._session_key = _sign(self._token, "onebox-dashboard-session").encode()
        self._csrf_key = secrets.token_bytes(32)
        self.clock = clock

    def token_matches(self, given: str) -> bool:
        """Whether `given` is the admin token (constant time; never without a token set)."""
        return self.configured and hmac.compare_digest(given.encode(), self._token)

    def host_allowed(self, header: str | None) -> bool:
        """Whether a ``Host`` header names this dashboard (loopback or the public name)."""
        if not header:
            return False
        name = host_name(header)
        return is_loopback(name) or name in self.public_hosts

    def allowed(
        self, headers: Mapping[str, str], cookies: Mapping[str, str], *, peer: str | None = None
    ) -> bool:
        """Whether a request with these headers and cookies, from `peer`, may see the dashboard.

        The Host check (`host_allowed`) is separate: callers refuse a foreign Host first.
        """
        if self.open:
            return direct_from_loopback(peer, headers)
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.token_matches(given.strip()):
            return True
        return self.session_valid(cookies.get(SESSION_COOKIE, ""))

    def new_session(self) -> str:
        """A session cookie value valid for `SESSION_SECONDS`."""
        expires = str(int(self.clock() + SESSION_SECONDS))
        return f"{expires}.{_sign(self._session_key, expires)}"

    def session_valid(self, value: str) -> bool:
        """Whether `value` is an unexpired session this token signed."""
        expires, _, mac = value.partition(".")
        if not self.configured or not expires.isdigit():
            return False
        good = hmac.compare_digest(mac.encode(), _sign(self._session_key, expires).encode())
        return good and int(expires) > self.clock()

    def new_csrf(self) -> str:
        """A fresh CSRF token."""
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{_sign(self._csrf_key, nonce)}"

    def csrf_valid(self, cookie: str, header: str) -> bool:
        """Whether the cookie and the header carry the same token, and it is one of ours."""
        if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
            return False
        nonce, _, mac = cookie.partition(".")
        return hmac.compare_digest(mac.encode(), _sign(self._csrf_key, nonce).encode())
