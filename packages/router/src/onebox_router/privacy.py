"""Which messages the response cache must never touch.

A message that carries personal data (an email, a phone number, an order or booking number,
an amount of money, a street address, a name, an account-specific request such as "my order")
is neither stored in the cache nor answered from it: its answer belongs to one customer.
Neither is a message that depends on earlier turns of its conversation ("and on Sunday?",
"how much is it?"), since the same words mean something else in another conversation.
Detection is deliberately conservative: a false alarm costs one provider call, a miss leaks.
"""

from __future__ import annotations

import re

from .conversation import Conversation

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("phone", re.compile(r"(?:\+|\b00)?\d[\d\s().-]{6,}\d")),
    ("reference", re.compile(r"#\s?\w*\d\w*|\b(?=\w*\d)(?=\w*[a-z])[a-z0-9-]{5,}\b", re.I)),
    (
        "amount",
        re.compile(
            r"[$€£¥₹]\s?\d|\d\s?[$€£¥₹]|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?|bucks)\b",
            re.I,
        ),
    ),
    (
        "address",
        re.compile(
            r"\b\d+\w?\s+(?:[a-z]+\s){0,3}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|"
            r"boulevard|blvd|way|court|ct|place|pl|square|sq)\b",
            re.I,
        ),
    ),
    ("name", re.compile(r"\b(?i:my name is|this is|i am|i'm|i’m|name's|call me)\s+[A-Z][a-z]+")),
    (
        "account",
        re.compile(
            r"\b(?:my|our|mine)\s+(?:\w+\s)?(?:order|orders|account|booking|reservation|"
            r"appointment|invoice|bill|receipt|package|parcel|delivery|refund|payment|card|"
            r"subscription|password|address|number|ticket|claim|prescription|results?|"
            r"purchase|tracking|balance|plan)\b",
            re.I,
        ),
    ),
    ("date_of_birth", re.compile(r"\b(?:born|birthday|date of birth|dob)\b", re.I)),
    ("long_number", re.compile(r"\b\d{5,}\b")),
)

#: Words that point back into a conversation ("it", "that one", "and on Sunday?").
_REFERENTIAL = re.compile(
    r"\b(?:it|its|it's|that|this|those|these|they|them|their|he|she|him|her|one|ones|same|"
    r"above|previous|earlier|mentioned|said|again|also|too|either|instead|else|other|another|"
    r"then|there)\b",
    re.I,
)
_ELLIPTIC_START = re.compile(
    r"^\s*(?:and|or|but|so|what about|how about|also|then|ok|okay)\b", re.I
)


def personal_reasons(text: str) -> list[str]:
    """The kinds of personal data found in `text` (empty when none)."""
    return [name for name, pattern in _PATTERNS if pattern.search(text)]


def depends_on_history(conversation: Conversation) -> bool:
    """Whether the new message may lean on earlier turns (only possible when there are some)."""
    if not conversation.history:
        return False
    text = conversation.question
    return bool(_REFERENTIAL.search(text) or _ELLIPTIC_START.search(text)) or len(text.split()) <= 2


def cache_exclusion(conversation: Conversation) -> str | None:
    """Why this conversation's new message must bypass the cache, or None when it may use it."""
    reasons = personal_reasons(conversation.question)
    if reasons:
        return "personal:" + ",".join(reasons)
    if depends_on_history(conversation):
        return "context"
    return None
