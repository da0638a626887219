"""Bursts: whether to wait for more of a customer's message before answering.

Customers split one request over several messages ("hi" / "I ordered a monstera" / "order
4411" / "it hasn't arrived, can you check?"); answering each fragment gives four replies, the
first of them to "hi". Waiting a fixed quiet window before every answer folds the burst but
delays every complete question too. So the wait is decided from the message: a fragment or a
bare greeting waits for more, up to `BurstWindow.quiet_s` after the latest message and never
more than `BurstWindow.max_s` after the first; a complete question is answered at once, with
whatever fragments came before it, and what the customer writes while that answer is
prepared is folded into it (the joined text answered again; a fragment makes it wait first).

`is_fragment` is a pure, language-light classifier (English, Spanish, Portuguese, French);
`reply_due` is the wait, `replay` its reference semantics over a stream of arrivals and
`simulate` the policies' (routing time, folding, per-key order), used by the tests and by
``bench/bursts.py``. Nothing here sleeps or reads a clock.

`BurstPolicy` names what the orchestrator does (``ONEBOX_BURST_POLICY``):

- ``decide`` (the default): the wait is decided from the message, and a message of the same
  conversation that arrives before the reply is committed (within the cap) is folded into it;
- ``fold``: every message is answered at once, never waiting, and folded like that;
- ``off``: every message is answered on its own, at once.

``bench/bursts.py`` measures them on ``bench/data/bursts-stream.jsonl`` (written apart from
`is_fragment`). Waiting alone took bursts from 2.85 replies to 1.6 with answers routed in
0.8 s, because customers type the next fragment more slowly than the answer is prepared, and
folding alone reached 2.6 there (1.1 with answers taking 2.5 s). Together they reach 1.35
(0.8 s) and 1.05 (2.5 s) at the same router calls (0.7 per message) and the same delay as
waiting alone: complete questions that look like fragments (14 %, no question mark) wait the
quiet window. Hence ``decide`` does both; ``fold`` never delays a question and suits
businesses whose customers rarely split messages.
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
_THANKS = (
    r"(?:(?:many|muchas|mil|muito|muita) )?"
    r"(?:thanks?(?: you| u)?|thx|ty|cheers|ok(?:ay)?|k|great|perfect|cool|nice|awesome|"
    r"brilliant|lovely|fine|alright|got it|understood|noted|sounds good|no problem|no worries|"
    r"bye|goodbye|see you|have a (?:nice|good|great) (?:day|one|evening)|"
    r"gracias|vale|perfecto|genial|listo|de acuerdo|entendido|estupendo|adios|hasta luego|"
    r"chao|obrigad[oa]|brigad[oa]|valeu|perfeito|otimo|certo|combinado|beleza|entendi|tchau|"
    r"ate logo|ate mais|merci|d'accord|parfait|super|top|entendu|compris|au revoir|a bientot|"
    r"bonne (?:journee|soiree))"
    r"(?: (?:very much|so much|a lot|again|beaucoup|bien))?"
)
_ACKNOWLEDGEMENT = re.compile(rf"^{_THANKS}(?:[\W_]+{_THANKS})*[\W_]*$")
"""Thanks, an "ok", a goodbye (en/es/pt/fr): a whole turn that closes, whatever its
punctuation (a bare greeting, by contrast, opens one)."""
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
        window: the quiet window (``decide``) and the cap after the first message.
    """

    name: PolicyName = "decide"
    window: BurstWindow = BurstWindow()

    @property
    def gathers(self) -> bool:
        """True when messages queued behind the one in hand are answered with it."""
        return self.name != "off"

    @property
    def waits(self) -> bool:
        """True when a fragment waits for the quiet window (``decide``)."""
        return self.name == "decide"

    def due(self, texts: Sequence[str], *, first_at: float, last_at: float) -> float:
        """When the burst whose latest message arrived at `last_at` is to be answered."""
        if not self.waits or not texts:
            return last_at
        return reply_due(texts[-1], first_at=first_at, now=last_at, window=self.window)

    def joins(self, at: float, *, first_at: float) -> bool:
        """True when a message arriving at `at` may join the burst begun at `first_at`: what
        the customer wrote before seeing its reply, up to the cap after the first."""
        return self.gathers and at <= first_at + self.window.max_s

    def folds(self, *, first_at: float, now: float) -> bool:
        """True when what arrived while the answer was prepared is folded into it (before
        the cap; not under ``off``)."""
        return self.gathers and now < first_at + self.window.max_s


def join(texts: Sequence[str]) -> str:
    """One question from a burst's texts, in order (one per line, blanks dropped)."""
    return "\n".join(t.strip() for t in texts if t.strip())


def is_fragment(text: str) -> bool:
    """True when `text` is likely part of a longer request (wait), False when it is complete.

    A bare greeting, a message ending open (a comma, "and", "..."), or a short text without
    end punctuation is a fragment; a question mark, a sentence that ends with "." or "!", a
    question word at the start, an acknowledgement ("thanks", "ok", "perfect", "vale,
    gracias"), or a long message is complete. An empty text (a photo, a sticker) is not a
    fragment: it is answered at once.
    """
    stripped = text.strip()
    if not stripped:
        return False
    plain = normalize(stripped)
    if _GREETING.match(plain):
        return True
    if _ACKNOWLEDGEMENT.match(plain):
        return False
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


Reply = tuple[float, int, int]
"""(sent at, how many messages it answers, router calls it took)."""


def simulate(
    arrivals: Sequence[tuple[float, str]],
    *,
    policy: BurstPolicy,
    route_s: float,
    decide: Callable[[str], bool] = is_fragment,
    fold: bool = True,
) -> list[Reply]:
    """The replies one conversation gets under `policy` when each routing takes `route_s`.

    The orchestrator's semantics in virtual time: a conversation's messages are handled one
    burst at a time (per-key FIFO: the next is claimed when the previous reply is committed);
    a waiting burst is claimed again at its due time or when the customer writes again; what
    arrived while the answer was routed is folded in and routed again, or, under ``decide``
    when the latest is a fragment, the burst waits its quiet window first.

    Args:
        arrivals: (time, text) in order.
        policy: the policy.
        route_s: seconds each routing takes.
        decide: the classifier (``is_fragment``; ``lambda _: True`` always waits).
        fold: False closes a burst when it is answered (nothing arriving later joins it): the
            reference without folding. With ``route_s`` = 0, ``decide`` then gives `replay`'s
            replies.
    """
    window = policy.window

    def due_of(first: int, last: int) -> float:
        at, text = arrivals[last]
        if not policy.waits:
            return at
        return reply_due(text, first_at=arrivals[first][0], now=at, window=window, decide=decide)

    def joins(at: float, *, first_at: float, due: float) -> bool:
        return policy.joins(at, first_at=first_at) and (fold or at <= due)

    replies: list[Reply] = []
    sent = -math.inf
    i = 0
    while i < len(arrivals):
        first_at = arrivals[i][0]
        now, taken, calls = max(first_at, sent), i + 1, 0
        while True:
            while (  # claimed with the head: what arrived by now and belongs to the burst
                taken < len(arrivals)
                and arrivals[taken][0] <= now
                and joins(arrivals[taken][0], first_at=first_at, due=due_of(i, taken - 1))
            ):
                taken += 1
            due = due_of(i, taken - 1)
            if due > now:  # given back to wait; the next message ends the wait early
                following = arrivals[taken][0] if taken < len(arrivals) else math.inf
                now = min(due, following)
                continue
            sent, calls = now + route_s, calls + 1
            if not fold or not policy.folds(first_at=first_at, now=sent):
                break
            late = taken
            while (
                late < len(arrivals)
                and arrivals[late][0] <= sent
                and joins(arrivals[late][0], first_at=first_at, due=due)
            ):
                late += 1
            if late == taken:
                break
            now, taken = sent, late  # folded: routed again, or waits when a fragment came
        replies.append((sent, taken - i, calls))
        i = taken
    return replies
