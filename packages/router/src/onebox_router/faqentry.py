"""An FAQ entry as the database keeps it: its fields, its identity and what may be stored.

An entry is known by its content (`content_key`: its whitespace-collapsed question and
answer), which is how the FAQ file's entries are matched with the stored ones
(`onebox_router.faqstore`). Its language and its translations are not part of that identity:
they belong to the entry and change with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import RouterError
from .localized import language_code
from .offline import FaqEntry

FaqSource = Literal["file", "owner"]
MAX_QUESTION_CHARS = 500
"""The longest question accepted (a customer's question, not an essay)."""
MAX_ANSWER_CHARS = 4000
"""The longest answer accepted: it must fit in one Telegram message (4096 characters)."""


class FaqError(RouterError, ValueError):
    """An FAQ entry that cannot be stored (empty, too long); the message says why."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFaq:
    """One FAQ entry as stored.

    Attributes:
        id: its number (``onebox faq remove ID``).
        question: the question, as given (HTML included: escaping is the display's job).
        answer: the answer, as given.
        source: ``file`` (imported from the FAQ file) or ``owner`` (added at runtime).
        created_at: unix seconds (UTC) when it was stored.
        language: the language code it is written in, when declared (None: recognised from
            its text when it is answered).
        translations: its answer in other languages, by language code.
    """

    id: int
    question: str
    answer: str
    source: FaqSource
    created_at: float
    language: str | None = None
    translations: Mapping[str, str] = field(default_factory=dict)

    def entry(self) -> FaqEntry:
        """The entry as the offline answerer takes it."""
        return FaqEntry(
            question=self.question,
            answer=self.answer,
            language=self.language,
            translations=dict(self.translations),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedResult:
    """What `FaqStore.seed` changed: file entries imported, file entries removed, and known
    file entries whose language or translations the file changed."""

    imported: int
    retired: int
    updated: int = 0


def content_key(question: str, answer: str) -> str:
    """The identity of an entry: SHA-256 of its whitespace-collapsed question and answer."""
    text = " ".join(question.split()) + "\x00" + " ".join(answer.split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check(name: str, text: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise FaqError(f"the {name} is empty")
    if len(text) > limit:
        raise FaqError(
            f"the {name} is {len(text)} characters long; the limit is {limit} characters"
        )
    if "\x00" in text:
        raise FaqError(f"the {name} contains a NUL character")
    return text


def validate(question: str, answer: str) -> tuple[str, str]:
    """The question and answer trimmed of surrounding blanks, or `FaqError` saying what is wrong."""
    return _check("question", question, MAX_QUESTION_CHARS), _check(
        "answer", answer, MAX_ANSWER_CHARS
    )


def validate_language(language: str) -> str:
    """`language` as a stored language code (``"ES"`` -> ``"es"``), or `FaqError`."""
    try:
        return language_code(language)
    except ValueError as exc:
        raise FaqError(str(exc)) from None


def validate_translation(language: str, answer: str) -> tuple[str, str]:
    """A translation's language code and answer, or `FaqError` saying what is wrong."""
    return validate_language(language), _check("translation", answer, MAX_ANSWER_CHARS)
