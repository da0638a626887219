"""`OfflineProvider`: answers without any model, so the router always has something to say.

It maps the customer's question onto the business's FAQ (a markdown file of question / answer
pairs) the way the cache anchors questions (`onebox_router.anchor`), and answers with the FAQ
entry when the question maps to one with no detail of its own the entry does not fix (a day,
a person, a payment method) and little else besides; otherwise it says politely that a person
will follow up. It never fails, costs nothing and takes microseconds, which is why the router
keeps a small reserve of the deadline for it.

FAQ format: each question is a markdown heading (``## Do you ship abroad?``) followed by its
answer paragraph(s), or a ``Q: ...`` line followed by an ``A: ...`` line (``**Q:**`` works too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .anchor import FaqAnchors
from .conversation import Completion
from .errors import ConfigError
from .paraphrase import signature
from .provider import CompletionRequest

FALLBACK_TEXT = "Thanks for your message! I can't answer that here; please contact us directly."
"""The holding reply when the caller gives none: it promises nothing nobody does."""
_HEADING = re.compile(r"^#{2,6}\s+(.+?)\s*#*\s*$")
_Q = re.compile(r"^\s*(?:\*\*)?Q(?:uestion)?\s*[:.](?:\*\*)?\s*(.+)$", re.I)
_A = re.compile(r"^\s*(?:\*\*)?A(?:nswer)?\s*[:.](?:\*\*)?\s*(.*)$", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqEntry:
    """One question and its answer."""

    question: str
    answer: str


def parse_faq(text: str) -> list[FaqEntry]:
    """The question/answer pairs of a markdown FAQ (headings or ``Q:``/``A:`` lines)."""
    entries: list[FaqEntry] = []
    question: str | None = None
    answer: list[str] = []

    def flush() -> None:
        if question and " ".join(answer).strip():
            entries.append(FaqEntry(question=question, answer="\n".join(answer).strip()))

    for line in text.splitlines():
        heading, q, a = _HEADING.match(line), _Q.match(line), _A.match(line)
        if heading or q:
            flush()
            question, answer = (heading or q).group(1).strip(), []  # type: ignore[union-attr]
        elif a and question is not None:
            answer.append(a.group(1))
        elif line.startswith("# "):
            flush()
            question, answer = None, []
        elif question is not None:
            answer.append(line)
    flush()
    return entries


def load_faq(path: Path | None) -> list[FaqEntry]:
    """The FAQ at `path`, or the example FAQ shipped with the package when `path` is None.

    Raises:
        ConfigError: the file cannot be read or holds no question/answer pair.
    """
    if path is None:
        text = resources.files("onebox_router").joinpath("data/faq.example.md").read_text("utf-8")
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"ONEBOX_FAQ_FILE {str(path)!r} cannot be read: {exc}") from None
    entries = parse_faq(text)
    if not entries:
        raise ConfigError(f"ONEBOX_FAQ_FILE {str(path)!r} holds no question/answer pair")
    return entries


GREETING = re.compile(
    r"(?i)(?:hi|hello|hey|hiya|hola|ol[aá]|good (?:morning|afternoon|evening)|greetings)"
    r"(?: there)?[\s!.,?👋]*"
)
GREETING_TEXT = "Hi! How can I help you today?"


class OfflineProvider:
    """Answers from the FAQ when a question matches it well, or with a polite fallback.

    Args:
        faq: the question/answer pairs.
        name: the provider's name (``offline``).
        threshold: the least similarity (0..1) for an FAQ answer.
        fallback: what to say when nothing matches: a text, or a function of the customer's
            question (to word it in their language and say when the business opens).
    """

    model = "faq"

    def __init__(
        self,
        faq: list[FaqEntry],
        *,
        name: str = "offline",
        threshold: float = 0.7,
        fallback: str | Callable[[str], str] = FALLBACK_TEXT,
    ) -> None:
        self.name = name
        self._entries = list(faq)
        self._anchors = FaqAnchors(self._entries)
        self._threshold = threshold
        self._fallback = fallback

    def replace(self, faq: list[FaqEntry]) -> None:
        """Answer from `faq` from the next question on (the owner changed the FAQ)."""
        entries = list(faq)
        self._anchors, self._entries = FaqAnchors(entries), entries

    def match(self, question: str) -> FaqEntry | None:
        """The FAQ entry that answers `question`, or None.

        The entry the question maps to, when every slot of the question is one the entry
        fixes (the language aside: the entry is written in one) and at least `threshold` of
        what the question says is in the entry, or all of it but one word when at least two
        agree ("do you sell bonsai trees?" / "Do you sell bonsai?").
        """
        found = self._anchors.match(signature(question))
        if found is None or found.extra_slots:
            return None
        close = found.score >= self._threshold or (found.extra_topics == 1 and found.shared >= 2)
        return self._entries[found.index] if close else None

    def answer(self, question: str) -> Completion:
        """The FAQ answer or the fallback, synchronously (it never fails).

        A message that is only a greeting ("hi", "good morning!") is greeted back, with the
        FAQ's own greeting entry when it has one (a ``## Hello`` heading).
        """
        if GREETING.fullmatch(question.strip()):
            entry = next((e for e in self._faq_entries() if GREETING.fullmatch(e.question)), None)
            return Completion(text=entry.answer if entry else GREETING_TEXT, model="greeting")
        entry = self.match(question)
        if entry is None:
            text = self._fallback if isinstance(self._fallback, str) else self._fallback(question)
            return Completion(text=text, model="fallback")
        return Completion(text=entry.answer, model="faq")

    def _faq_entries(self) -> list[FaqEntry]:
        return self._entries

    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer the last turn of `request`."""
        return self.answer(request.turns[-1].text if request.turns else "")
