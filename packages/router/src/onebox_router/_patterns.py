"""The personal-content patterns, registered by the reason each reports.

One registry for `onebox_router.personal` and the rules it draws from `_situation`, so the
tests can run every pattern on adversarial input and a match can name its reason.
"""

from __future__ import annotations

import re

#: The patterns, keyed ``reason:index``; each is safe on adversarial input (see tests).
PATTERNS: dict[str, re.Pattern[str]] = {}
#: Each pattern's reason by the pattern's identity (read on every message's first sight:
#: hashing a `re.Pattern` itself hashes its whole compiled program, microseconds each time).
_REASONS: dict[int, str] = {}


def register(reason: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile `pattern` and file it under `reason`."""
    compiled = re.compile(pattern, flags)
    index = sum(1 for key in PATTERNS if key.startswith(reason + ":"))
    PATTERNS[f"{reason}:{index}"] = compiled
    _REASONS.setdefault(id(compiled), reason)  # patterns live as long as the module
    return compiled


def reason_of(pattern: re.Pattern[str]) -> str:
    """The reason `pattern` was registered under."""
    try:
        return _REASONS[id(pattern)]
    except KeyError:  # pragma: no cover - every pattern is registered
        raise LookupError(pattern.pattern) from None
