"""Bursts: whether to wait for more of a customer's message before answering.

Customers split one request over several messages ("hi" / "I ordered a monstera" / "order
4411" / "it hasn't arrived, can you check?"); answering each fragment gives four replies, the
first of them to "hi". Waiting a fixed quiet window before every answer folds the burst but
delays every complete question too. So the wait is decided from the message: a fragment or a
bare greeting waits for more, up to `BurstWindow.quiet_s` after the latest message and never
more than `BurstWindow.max_s` after the first; a complete question is answered at once, with
whatever fragments came before it.

`is_fragment` is a pure, language-light classifier (English, Spanish, Portuguese, French);
`reply_due` is the policy and `replay` its reference semantics over a stream of arrivals,
used by the tests and by ``bench/bursts.py``. Nothing here sleeps or reads a clock.

`BurstPolicy` names what the orchestrator does (``ONEBOX_BURST_POLICY``):

- ``decide`` (the default): the wait is decided from the message, as above;
- ``fold``: every message is answered at once, and a message of the same conversation that
  arrives before the reply is committed is folded into it (the joined text is answered
  again); a fragment arriving after the reply has gone gets its own reply;
- ``off``: every message is answered on its own, at once.

``bench/bursts.py`` measures them against each other on ``bench/data/bursts-stream.jsonl``
(written apart from `is_fragment`). With answers routed in 0.8 s (a cache hit or a fast model,
the usual case), ``decide`` takes bursts from 2.85 replies to 1.6 (0.7 router calls per
message) while ``fold`` only reaches 2.6, because customers type the next fragment more slowly
than the answer is prepared; ``decide`` pays with a quarter of complete questions (no question
mark, a "thanks") waiting the quiet window. Hence ``decide`` is the default. With answers
taking 2.5 s, ``fold`` wins (1.1 replies per burst, no question delayed, 0.9 calls per
message): choose it for a chain of slow models.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .escalation import normalize

_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|greetings|hola|buenas|"
    r"buenos dias|buenas (?:tardes|noches)|ola|oi|bom dia|boa (?:tarde|noite)|bonjour|"
    r"bonsoir|salut|coucou)(?: (?:there|all|team|equipo|pessoal|a todos|tout le monde))?"
    r"[\s!.,:;)(*~^-]*$"
)
_QUESTION_START = frozenset(
    (
        "what", "when", "where", "which", "who", "why", "how", "do", "does", "did", "can",
        "could", "is", "are", "will", "would", "should", "may",
        "que", "cuando", "donde", "como", "cuanto", "cuanta", "cuantos", "cuantas", "cual",
        "quien", "por", "tienen", "tiene", "hay", "puedo", "pueden", "podria", "hacen",
        "quando", "onde", "quanto", "quanta", "qual", "quem", "tem", "voces", "posso", "podem",
        "quand", "ou", "comment", "combien", "quel", "quelle", "pourquoi", "est-ce",
        "avez-vous", "pouvez-vous", "puis-je", "faites-vous", "livrez-vous",
    )
)  # fmt: skip
_TRAILING = frozenset(
    (
        "and", "or", "but", "so", "because", "with", "the", "a", "an", "to", "my", "for", "of",
        "y", "o", "pero", "porque", "con", "el", "la", "mi", "para", "de",
        "e", "ou", "mas", "com", "meu", "minha",
        "et", "mais", "parce", "avec", "le", "mon", "ma", "pour",
    )
)  # fmt: skip
_OPEN_ENDS = (",", ":", ";", "-", "...", "…", "&", "+", "(")
COMPLETE_WORDS = 8
"""A message without end punctuation this long is taken as complete."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BurstWindow:
    """How long a fragment waits for more.

    Attributes:
        quiet_s: wait this long after the latest message of the burst.
        max_s: never answer later than this after the burst's first message.
    """

    quiet_s: float = 1.5
    max_s: float = 6.0


PolicyName = Literal["decide", "fold", "off"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BurstPolicy:
    """How the orchestrator answers a conversation's bursts.

    Attributes:
        name: ``decide``, ``fold`` or ``off`` (module docstring).
        window: the quiet window (``decide``) and the cap after the first message (both).
    """

    name: PolicyName = "decide"
    window: BurstWindow = BurstWindow()

    @property
    def gathers(self) -> bool:
        """True when messages queued behind the one in hand are answered with it."""
        return self.name != "off"

    def due(self, texts: Sequence[str], *, first_at: float, last_at: float) -> float:
        """When the burst whose latest message arrived at `last_at` is to be answered."""
        if self.name != "decide" or not texts:
            return last_at
        return reply_due(texts[-1], first_at=first_at, now=last_at, window=self.window)

    def folds(self, *, first_at: float, now: float) -> bool:
        """True when a message arriving now may still be folded into the burst's reply."""
        return self.gathers and now < first_at + self.window.max_s


def join(texts: Sequence[str]) -> str:
    """One question from a burst's texts, in order (one per line, blanks dropped)."""
    return "\n".join(t.strip() for t in texts if t.strip())


def is_fragment(text: str) -> bool:
    """True when `text` is likely part of a longer request (wait), False when it is complete.

    A bare greeting, a message ending open (a comma, "and", "..."), or a short text without
    end punctuation is a fragment; a question mark, a sentence that ends with "." or "!", a
    question word at the start, or a long message is complete. An empty text (a photo, a
    sticker) is not a fragment: it is answered at once.
    """
    stripped = text.strip()
    if not stripped:
        return False
    plain = normalize(stripped)
    if _GREETING.match(plain):
        return True
    if stripped.endswith(("?", "？")):
        return False
    if stripped.endswith(_OPEN_ENDS):
        return True
    words = re.findall(r"[\w'-]+", plain)
    if not words:
        return True  # only emoji or punctuation: likely followed by words
    if words[-1] in _TRAILING:
        return True
    if stripped.endswith((".", "!", "。", "！")):
        return False
    if words[0] in _QUESTION_START and len(words) >= 3:
        return False
    return len(words) < COMPLETE_WORDS


def reply_due(
    text: str,
    *,
    first_at: float,
    now: float,
    window: BurstWindow,
    decide: Callable[[str], bool] = is_fragment,
) -> float:
    """When to answer if nothing else arrives: `now` for a complete message, else later.

    Args:
        text: the latest message of the burst.
        first_at: when the burst's first message arrived.
        now: when the latest message arrived.
        window: the quiet window and its cap.
        decide: the classifier (``is_fragment``; ``lambda _: True`` always waits).
    """
    if not decide(text):
        return now
    return max(now, min(now + window.quiet_s, first_at + window.max_s))


def replay(
    arrivals: Sequence[tuple[float, str]],
    *,
    window: BurstWindow,
    decide: Callable[[str], bool] = is_fragment,
) -> list[tuple[float, int]]:
    """The replies one conversation gets for `arrivals` ((time, text), in order).

    Returns:
        (reply time, how many messages the reply answers) per reply.
    """
    replies: list[tuple[float, int]] = []
    first_at: float | None = None
    pending = 0
    for i, (at, text) in enumerate(arrivals):
        first_at = at if first_at is None else first_at
        pending += 1
        due = reply_due(text, first_at=first_at, now=at, window=window, decide=decide)
        following = arrivals[i + 1][0] if i + 1 < len(arrivals) else math.inf
        if due < following:
            replies.append((due, pending))
            first_at, pending = None, 0
    return replies
