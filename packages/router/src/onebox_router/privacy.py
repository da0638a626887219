"""Which messages the response cache must never touch.

A message about its sender's own situation (`onebox_router.personal`: contact details, order
or booking numbers, their name, body or health, their booking or order, their dates, a
complaint about their purchase) is neither stored in the cache nor answered from it: its
answer belongs to one customer.
Neither is a message that depends on earlier turns of its conversation ("and on Sunday?",
"how much is it?"), since the same words mean something else in another conversation.
Detection is deliberately conservative: a false alarm costs one provider call, a miss leaks.
"""

from __future__ import annotations

import re

from .conversation import Conversation
from .personal import personal_reasons

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
