"""Anchoring questions on the business's FAQ entries, so that rewordings share one cache key.

Each FAQ entry's question is read like a customer message (`onebox_router.paraphrase`): its
topics and its slots. A customer message *maps* to an entry when

- every slot of the entry is in the message with the same value, or with some of the values
  of an entry that names several ("vegan or gluten-free?" covers "vegan?"); only what is asked
  (``q=``, "how much", "what time") may be left implicit: "when can I check in?" asks the
  entry "What time is check-in?";
- they share at least one topic or slot, and the entry is the only best match (a tie maps to
  nothing).

The mapped message is then keyed on the entry: its topics become the entry's topics plus the
message's own extra topics, and its slots are the language plus every slot the entry does not
already fix. So two rewordings of an FAQ question that differ only in the words the entry's
question uses share a key, while a detail the entry does not fix (a day, a person, a payment
method, a topic of its own) still keeps them apart, as the paraphrase rules decide. An answer
is never reused across entries, nor across languages.

The entry's key part is a hash of its question and answer: when an entry changes, messages
anchored on it get new keys and the answers cached for the old entry are no longer found.

A message too short to tell its language by ("vegan croissant??", "lockers?") is read as the
FAQ's language when every word of it is a word of the FAQ; otherwise it stays unsure, a
bucket of its own.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .matching import Signature, make_signature
from .paraphrase import language, misspelt, signature
from .personal import fold

#: Slot kinds an entry may fix without the message saying them (the way of asking).
IMPLIED = frozenset({"q"})
#: Slot values an entry's broader value covers: an entry about weekdays answers for Tuesday.
WITHIN: dict[str, dict[str, str]] = {
    "day": {"mon": "weekday", "tue": "weekday", "wed": "weekday", "thu": "weekday",
            "fri": "weekday", "sat": "weekend", "sun": "weekend"},
}  # fmt: skip
#: A topic of at least this many entries may be left out by a message that maps to one.
COMMON = 3
#: How many keyed signatures are remembered (customers repeat short questions).
MEMO_SIZE = 4096
#: The prefix of an anchor topic token.
ANCHOR = "@faq:"
#: The language slot of a message whose language `paraphrase.language` could not tell.
UNSURE = "lang=und"
_LETTERS = re.compile(r"[^\W\d_]+")


def _plain_words(text: str) -> set[str]:
    """The folded words of `text` (letters only)."""
    return set(_LETTERS.findall(fold(text)))


class QuestionAnswer(Protocol):
    """An FAQ entry: a question and its answer."""

    @property
    def question(self) -> str: ...

    @property
    def answer(self) -> str: ...


def anchor_of(sig: Signature) -> str | None:
    """The anchor token of a keyed signature (the FAQ entry it maps to), or None."""
    return next((token for token in sig.tokens if token.startswith(ANCHOR)), None)


def _slots(sig: Signature) -> dict[str, frozenset[str]]:
    """The slots of a signature by kind (``day`` -> {``sat``}); the language left out."""
    kinds: dict[str, set[str]] = {}
    for slot in sig.critical:
        kind, _, value = slot.partition("=")
        if kind != "lang":
            kinds.setdefault(kind, set()).add(value)
    return {kind: frozenset(values) for kind, values in kinds.items()}


@dataclass(frozen=True, slots=True)
class _Entry:
    ident: str
    topics: frozenset[str]
    slots: dict[str, frozenset[str]]
    covered: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class AnchorMatch:
    """The entry a message maps to, and the message keyed on it."""

    index: int
    signature: Signature
    shared: int
    extra_slots: int
    extra_topics: int

    @property
    def score(self) -> float:
        """How much of the message the entry accounts for, in (0, 1]."""
        return self.shared / (self.shared + self.extra_slots + self.extra_topics)


def entry_id(entry: QuestionAnswer) -> str:
    """A short hash of the entry's question and answer (changes when either changes)."""
    digest = hashlib.sha256(f"{entry.question}\x00{entry.answer}".encode()).hexdigest()
    return digest[:12]


class FaqAnchors:
    """The FAQ entries as anchors for cache keys (see the module docstring).

    Args:
        entries: the business's FAQ entries (question and answer each).
    """

    def __init__(self, entries: Sequence[QuestionAnswer] = ()) -> None:
        self._entries: list[_Entry] = []
        self._keys: dict[Signature, Signature] = {}
        for entry in entries:
            sig = signature(entry.question)
            if sig.empty:
                continue
            covered = signature(entry.answer).tokens
            self._entries.append(_Entry(entry_id(entry), sig.tokens, _slots(sig), covered))
        counts = Counter(topic for entry in self._entries for topic in entry.topics)
        #: Topics of many entries ("class" in a studio's FAQ): a message may leave them out.
        self._common = frozenset(topic for topic, n in counts.items() if n >= COMMON)
        self._asked = frozenset(counts)
        self._vocabulary = frozenset(
            topic for entry in self._entries for topic in entry.topics | entry.covered
        )
        # The FAQ's own language (most of its entries'), and every word it uses.
        texts = [f"{entry.question}\n{entry.answer}" for entry in entries]
        languages = Counter(language(text) for text in texts).most_common(1)
        self._language = next(
            (lang for lang, n in languages if lang != "und" and 2 * n > len(texts)), None
        )
        words = {word for text in texts for word in _plain_words(text)}
        self._words = frozenset(words | {w[:-1] for w in words if w.endswith("s")})

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, sig: Signature) -> AnchorMatch | None:
        """The one entry `sig` maps to, with `sig` keyed on it, or None."""
        if not self._entries or sig.empty:
            return None
        slots = _slots(sig)
        best: list[tuple[int, int]] = []
        best_support = 0
        for index, entry in enumerate(self._entries):
            support = _support(entry, sig.tokens, slots, self._common)
            if support > best_support:
                best, best_support = [(index, support)], support
            elif support == best_support and support > 0:
                best.append((index, support))
        if len(best) != 1:
            return None
        index, support = best[0]
        entry = self._entries[index]
        # Every slot the entry does not fix stays (the language among them).
        extra_slots = {slot for slot in sig.critical if not _fixed(entry, slot, slots)}
        known = entry.topics | entry.covered
        extra_topics = {t for t in sig.tokens - known if not misspelt(t, known - sig.tokens)}
        if extra_topics & self._asked:
            return None  # it also asks what another entry is about ("how long ... delivery")
        # The message asks the entry's question: its key has the entry's topics, except
        # common ones it left out when the entry has no slot (all of which it has).
        led = any(kind not in IMPLIED for kind in entry.slots)
        present = {
            t
            for t in entry.topics
            if led or t in sig.tokens or t not in self._common or misspelt(t, sig.tokens)
        }
        keyed = make_signature({ANCHOR + entry.ident} | present | extra_topics, extra_slots)
        return AnchorMatch(
            index=index, signature=keyed, shared=support,
            extra_slots=len(extra_slots) - 1, extra_topics=len(extra_topics),
        )  # fmt: skip

    def only_details_differ(self, a: Signature, b: Signature) -> bool:
        """Whether keyed `a` and `b` map to one entry and differ only in unknown words.

        A topic the tables or the FAQ know ("paid", "order", "coffee", a word of any entry)
        on one side only is another question about the entry ("how do I pay for takeaway?" is
        not "do you do takeaway?"); a word nobody here knows is more often a detail
        ("open on Saturday? I'd like pastéis de nata"), and so is a topic many entries share
        ("class" in a studio's FAQ: "drop-in price?" / "how much is a single class?").
        """
        anchor = anchor_of(a)
        if anchor is None or anchor not in b.tokens or a.critical != b.critical:
            return False
        return not any(
            (t.startswith("@") or t in self._vocabulary) and t not in self._common
            for t in a.tokens ^ b.tokens
        )

    def in_faq_language(self, sig: Signature, text: str) -> Signature:
        """`sig` in the FAQ's language when its own was unsure and every word is the FAQ's.

        "vegan croissant??" has no function word to tell its language by; when each of its
        words is a word of the FAQ (written in one language), the customer is writing the
        FAQ's language. A word the FAQ does not use ("sabado?") leaves it unsure: a reply is
        never served in another language.
        """
        if self._language is None or UNSURE not in sig.critical:
            return sig
        words = _plain_words(text)
        # Each word, or its singular, is the FAQ's (the FAQ's plurals count singular too).
        if not words or not all(w in self._words or w[:-1] in self._words for w in words):
            return sig
        return make_signature(sig.tokens, sig.critical - {UNSURE} | {f"lang={self._language}"})

    def key(self, sig: Signature, text: str | None = None) -> Signature:
        """`sig` keyed on the entry it maps to, or `sig` itself when it maps to none.

        With the message's `text`, an unsure language may be read as the FAQ's
        (`in_faq_language`).
        """
        if text is not None:
            sig = self.in_faq_language(sig, text)
        keyed = self._keys.get(sig)
        if keyed is None:
            found = self.match(sig)
            keyed = sig if found is None else found.signature
            if len(self._keys) >= MEMO_SIZE:
                self._keys.clear()
            self._keys[sig] = keyed
        return keyed


def _support(
    entry: _Entry,
    topics: frozenset[str],
    slots: dict[str, frozenset[str]],
    common: frozenset[str],
) -> int:
    """How many topics and slots the message shares with `entry` (0: it does not map)."""
    shared_slots = leading = 0
    for kind, values in entry.slots.items():
        mine = slots.get(kind)
        if mine is None:
            if kind in IMPLIED:
                continue
            return 0
        if not _covered(kind, mine, values):
            return 0
        shared_slots += 1 + (mine == values)  # an exact value beats a broader one
        leading += kind not in IMPLIED
    shared_topics = len(entry.topics & topics)
    only_entry = entry.topics - topics - common
    if (
        only_entry
        and not leading
        and not all(misspelt(t, topics - entry.topics) for t in only_entry)
    ):
        # The entry asks about something the message does not mention (unless the entry
        # is led by a slot they share: "gluten-free products?" / "anything gluten-free?"),
        # a topic that many entries share aside.
        return 0
    if not shared_topics and not leading:
        return 0
    return shared_topics + shared_slots


def _covered(kind: str, mine: frozenset[str], values: frozenset[str]) -> bool:
    """Whether the message's values of a slot are among the entry's, or within one of them."""
    within = WITHIN.get(kind, {})
    return all(value in values or within.get(value) in values for value in mine)


def _fixed(entry: _Entry, slot: str, slots: dict[str, frozenset[str]]) -> bool:
    """Whether the entry already fixes this slot of the message (so the key need not keep it).

    The same values, or values within the entry's one broader value ("Tuesday" for an entry
    about weekdays). A message naming one of an entry's several values ("vegan" for "vegan or
    gluten-free?") keeps it: the reply written for it may speak of that one only.
    """
    kind = slot.partition("=")[0]
    values = entry.slots.get(kind)
    if kind == "lang" or values is None:
        return False
    mine = slots[kind]
    return mine == values or (len(values) == 1 and _covered(kind, mine, values))
