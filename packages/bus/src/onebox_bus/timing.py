"""The shared names for injected time, and the default database URL, defined once.

Every package takes its clock and its async sleep as constructor arguments (tests pass a
`FakeClock`); these aliases name those arguments' types everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

#: Wall-clock time in unix seconds (``time.time``, or a `FakeClock` in tests).
Clock = Callable[[], float]
#: An async sleep of so many seconds (``asyncio.sleep``, or a fake that advances a clock).
Sleep = Callable[[float], Awaitable[None]]
#: Where the shared database lives when ``ONEBOX_DATABASE_URL`` is not set.
DEFAULT_DATABASE_URL = "sqlite:///./var/onebox.db"
