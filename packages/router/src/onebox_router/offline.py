"""`OfflineProvider`: answers without any model, so the router always has something to say.

It matches the customer's question against the business's FAQ (a markdown file of question /
answer pairs) with the same matching as the cache, and answers with the FAQ entry when the match
is good; otherwise it says politely that a person will follow up. It never fails, costs nothing
and takes microseconds, which is why the router keeps a small reserve of the deadline for it.

FAQ format: each question is a markdown heading (``## Do you ship abroad?``) followed by its
answer paragraph(s), or a ``Q: ...`` line followed by an ``A: ...`` line (``**Q:**`` works too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .conversation import Completion
from .errors import ConfigError
from .matching import Signature, signature, similarity
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
        self._faq: list[tuple[Signature, FaqEntry]] = [(signature(e.question), e) for e in faq]
        self._threshold = threshold
        self._fallback = fallback

    def replace(self, faq: list[FaqEntry]) -> None:
        """Answer from `faq` from the next question on (the owner changed the FAQ)."""
        self._faq = [(signature(e.question), e) for e in faq]

    def match(self, question: str) -> FaqEntry | None:
        """The FAQ entry that answers `question`, or None."""
        wanted = signature(question)
        best, best_score = None, 0.0
        for sig, entry in self._faq:
            score = similarity(wanted, sig)
            if score > best_score:
                best, best_score = entry, score
        return best if best_score >= self._threshold else None

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
        return [entry for _, entry in self._faq]

    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer the last turn of `request`."""
        return self.answer(request.turns[-1].text if request.turns else "")
