"""Who may open the dashboard, and the CSRF check on its one state-changing request.

A request is let in when the app is bound to a loopback address (only this machine can reach
it), when it carries ``Authorization: Bearer <admin token>``, or when it carries a session
cookie that the login form set. The session cookie holds an expiry time and an HMAC of it
under a key derived from the admin token: nothing is stored server-side, a restart keeps
people signed in, and changing the token signs everyone out.

The replay button's POST must carry the CSRF token both as the ``onebox_csrf`` cookie
(HttpOnly, SameSite=Strict) and in the ``X-CSRF-Token`` header, read by our script from the
page (double submit). The token is a nonce with an HMAC under a key of this process, so a
cookie planted by another site does not pass either.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable, Mapping

from pydantic import SecretStr

SESSION_COOKIE = "onebox_session"
CSRF_COOKIE = "onebox_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600


def is_loopback(host: str) -> bool:
    """Whether `host` (the settings' listen address) only accepts local connections."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


class Access:
    """Decides whether a request may see the dashboard, and issues/checks its tokens.

    Args:
        host: the address the app is bound to (``ONEBOX_HOST``).
        token: the admin token (``ONEBOX_ADMIN_TOKEN``), or None.
        clock: the time source.
    """

    def __init__(
        self, *, host: str, token: SecretStr | None, clock: Callable[[], float] = time.time
    ) -> None:
        secret = token.get_secret_value() if token is not None else ""
        self.open = is_loopback(host)
        self.configured = bool(secret)
        self._token = secret.encode()
        self._session_key = _sign(self._token, "onebox-dashboard-session").encode()
        self._csrf_key = secrets.token_bytes(32)
        self.clock = clock

    def token_matches(self, given: str) -> bool:
        """Whether `given` is the admin token (constant time; never without a token set)."""
        return self.configured and hmac.compare_digest(given.encode(), self._token)

    def allowed(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> bool:
        """Whether a request with these headers and cookies may see the dashboard."""
        if self.open:
            return True
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
