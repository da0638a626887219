"""`OfflineProvider`: answers without any model, so the router always has something to say.

It maps the customer's question onto the business's FAQ (a markdown file of question / answer
pairs) the way the cache anchors questions (`onebox_router.anchor`), and answers with the FAQ
entry when the question maps to one with no detail of its own the entry does not fix (a day,
a person, a payment method) and little else besides; otherwise it says politely that a person
will follow up. It never fails, costs nothing and takes microseconds, which is why the router
keeps a small reserve of the deadline for it.

FAQ format: each question is a markdown heading (``## Do you ship abroad?``) followed by its
answer paragraph(s), or a ``Q: ...`` line followed by an ``A: ...`` line (``**Q:**`` works too).
After the answer, a line starting with a language code in brackets (``[es] Sí, a toda la
UE.``) starts the answer in that language, up to the next such line or question. A
``<!-- language: xx -->`` line declares the language the file's questions and answers are
written in (without it, each entry's is recognised from its text when it is English, Spanish,
Portuguese or French). The reply follows the customer's language (`onebox_router.localized`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Protocol

from .anchor import FaqAnchors
from .conversation import Completion
from .errors import ConfigError
from .localized import GREETINGS, greet, language_code, pick, text_language
from .paraphrase import signature
from .provider import CompletionRequest

FALLBACK_TEXT = "Thanks for your message! I can't answer that here; please contact us directly."
"""The holding reply when the caller gives none: it promises nothing nobody does."""
_HEADING = re.compile(r"^#{2,6}\s+(.+?)\s*#*\s*$")
_Q = re.compile(r"^\s*(?:\*\*)?Q(?:uestion)?\s*[:.](?:\*\*)?\s*(.+)$", re.I)
_A = re.compile(r"^\s*(?:\*\*)?A(?:nswer)?\s*[:.](?:\*\*)?\s*(.*)$", re.I)
_TRANSLATION = re.compile(r"^\s*\[([A-Za-z]{2,3}(?:[-_][A-Za-z]{2})?)\]\s?(.*)$")
_DECLARED = re.compile(r"^\s*<!--\s*language\s*:\s*([A-Za-z_-]+)\s*-->\s*$", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqEntry:
    """One question and its answer.

    Attributes:
        question: the question.
        answer: the answer, in `language`.
        language: the language code the entry is written in, when declared (None: recognised
            from its text, `localized.text_language`).
        translations: the answer in other languages, by language code.
    """

    question: str
    answer: str
    language: str | None = None
    translations: Mapping[str, str] = field(default_factory=dict)

    def written_in(self) -> str | None:
        """The entry's language: declared, else recognised in its question and answer."""
        return self.language or text_language(f"{self.question}\n{self.answer}")


class Fallback(Protocol):
    """The holding reply when no FAQ entry answers: a function of the customer's question and
    of their language, when a transcription provider reported it."""

    def __call__(self, question: str, /, language: str | None = None) -> str: ...


def parse_faq(text: str) -> list[FaqEntry]:
    """The question/answer pairs of a markdown FAQ (headings or ``Q:``/``A:`` lines), with
    their ``[xx]`` translations and the file's ``<!-- language: xx -->`` declaration.

    Raises:
        ValueError: a declared language is not a language code.
    """
    entries: list[FaqEntry] = []
    question: str | None = None
    lang: str | None = None  # the text of `question` goes to answers[lang] (None: its own)
    answers: dict[str | None, list[str]] = {}
    declared: str | None = None

    def flush() -> None:
        texts = {k: "\n".join(v).strip() for k, v in answers.items()}
        translations = {k: v for k, v in texts.items() if k is not None and v}
        if question and texts.get(None):
            entries.append(
                FaqEntry(question=question, answer=texts[None], language=declared,
                         translations=translations)
            )  # fmt: skip

    for line in text.splitlines():
        heading, q, a = _HEADING.match(line), _Q.match(line), _A.match(line)
        marker = _TRANSLATION.match(line) if question is not None and answers else None
        if (found := _DECLARED.match(line)) is not None:
            declared = language_code(found.group(1))
        elif (started := heading or q) is not None:
            flush()
            question, lang, answers = started.group(1).strip(), None, {None: []}
        elif marker is not None:
            lang = language_code(marker.group(1))
            answers[lang] = [marker.group(2)]
        elif a and question is not None:
            answers.setdefault(lang, []).append(a.group(1))
        elif line.startswith("# "):
            flush()
            question, lang, answers = None, None, {}
        elif question is not None:
            answers.setdefault(lang, []).append(line)
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
    try:
        entries = parse_faq(text)
    except ValueError as exc:
        raise ConfigError(f"ONEBOX_FAQ_FILE {str(path)!r}: {exc}") from None
    if not entries:
        raise ConfigError(f"ONEBOX_FAQ_FILE {str(path)!r} holds no question/answer pair")
    return entries


GREETING = re.compile(
    r"(?i)(?:hi|hello|hey|hiya|hola|ol[aá]|oi|good (?:morning|afternoon|evening)|greetings|"
    r"buen(?:os|as) (?:d[ií]as|tardes|noches)|buenas|bom dia|boa (?:tarde|noite)|bonjour|"
    r"bonsoir|salut)(?: there)?[\s!.,?¡👋]*"
)
GREETING_TEXT = GREETINGS["en"]


class OfflineProvider:
    """Answers from the FAQ when a question matches it well, or with a polite fallback.

    Args:
        faq: the question/answer pairs.
        name: the provider's name (``offline``).
        threshold: the least similarity (0..1) for an FAQ answer.
        fallback: what to say when nothing matches: a text, or a function of the customer's
            question and language (to word it in their language and say when the business
            opens).
    """

    model = "faq"

    def __init__(
        self,
        faq: list[FaqEntry],
        *,
        name: str = "offline",
        threshold: float = 0.7,
        fallback: str | Fallback = FALLBACK_TEXT,
    ) -> None:
        self.name = name
        self._threshold = threshold
        self._fallback = fallback
        self.replace(faq)

    def replace(self, faq: list[FaqEntry]) -> None:
        """Answer from `faq` from the next question on (the owner changed the FAQ)."""
        entries = list(faq)
        languages = [entry.written_in() for entry in entries]
        self._anchors, self._entries, self._languages = FaqAnchors(entries), entries, languages

    def match(self, question: str) -> FaqEntry | None:
        """The FAQ entry that answers `question`, or None.

        The entry the question maps to, when every slot of the question is one the entry
        fixes (the language aside: the entry is written in one) and at least `threshold` of
        what the question says is in the entry, or all of it but one word when at least two
        agree ("do you sell bonsai trees?" / "Do you sell bonsai?").
        """
        index = self._match(question)
        return self._entries[index] if index is not None else None

    def _match(self, question: str) -> int | None:
        found = self._anchors.match(signature(question))
        if found is None or found.extra_slots:
            return None
        close = found.score >= self._threshold or (found.extra_topics == 1 and found.shared >= 2)
        return found.index if close else None

    def answer(self, question: str, *, language: str | None = None) -> Completion:
        """The FAQ answer or the fallback, synchronously (it never fails).

        The answer is in the customer's language when the entry has it (`localized.pick`):
        `language` when a transcription provider reported it, else the one recognised in
        `question`. A message that is only a greeting ("hi", "good morning!") is greeted
        back, with the FAQ's own greeting entry when it has one (a ``## Hello`` heading).
        """
        wanted = language or text_language(question)
        if GREETING.fullmatch(question.strip()):
            index = next(
                (i for i, e in enumerate(self._entries) if GREETING.fullmatch(e.question)), None
            )
            entry = self._entries[index] if index is not None else None
            text = greet(
                entry.answer if entry else None,
                entry_language=self._languages[index] if index is not None else None,
                translations=entry.translations if entry else {},
                wanted=wanted,
            )
            return Completion(text=text, model="greeting")
        index = self._match(question)
        if index is None:
            fallback = self._fallback
            text = fallback if isinstance(fallback, str) else fallback(question, language)
            return Completion(text=text, model="fallback")
        entry = self._entries[index]
        chosen = pick(
            entry.answer,
            entry_language=self._languages[index],
            translations=entry.translations,
            wanted=wanted,
        )
        return Completion(text=chosen.text, model="faq")

    async def complete(self, request: CompletionRequest) -> Completion:
        """Answer the last turn of `request` (its language recognised in its text)."""
        return self.answer(request.turns[-1].text if request.turns else "")
