"""Question matching: normalise a customer's question into a signature, and compare signatures.

`Signature` and `make_signature` are what the cache stores (`onebox_router.paraphrase` builds
the signatures it uses, `onebox_router.anchor` keys them on the FAQ). The first-generation
`signature` and `similarity` below stay public for callers of ``onebox_router.signature``;
neither the cache nor the offline answerer uses them any more. Normalisation folds what does not
change the answer (case, accents, punctuation, whitespace, courtesy words, plurals and verb
endings, common synonyms) and keeps what does: numbers, dates, weekdays and months, negations,
and the words whose opposites flip an answer ("open"/"close", "on"/"off", "cheapest"/"most
expensive"), numbers in their order. Those *critical* tokens must be identical for two questions
to match at all, and neither question may swap a content word for another ("fig" for "ivy",
"price" for "duration"); only then does a weighted token overlap (with character trigrams for
misspellings) decide."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_CONTRACTIONS = [
    (re.compile(r"\b(can)'?t\b"), r"\1 not"),
    (re.compile(r"\bwon'?t\b"), "will not"),
    (re.compile(r"n't\b"), " not"),
    (re.compile(r"'(re|ve|ll|d|m|s)\b"), " "),
]
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")
_NUMBER_SPLIT = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
_SWITCH_ON = re.compile(r"\b(turn|switch|put|set)\s+(\w+\s+){0,2}?on\b")
_SWITCH_VERBS = frozenset({"turn", "switch", "put", "set"})
_SWITCH_OFF = re.compile(r"\b(turn|switch|put|set)\s+(\w+\s+){0,2}?off\b")

#: Words that carry no meaning for matching (greetings, pronouns, auxiliaries, wh-words).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "so",
        "if",
        "of",
        "to",
        "in",
        "at",
        "by",
        "for",
        "from",
        "with",
        "about",
        "as",
        "into",
        "than",
        "then",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "have",
        "has",
        "had",
        "having",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "you",
        "your",
        "yours",
        "u",
        "ur",
        "we",
        "us",
        "our",
        "ours",
        "it",
        "its",
        "they",
        "them",
        "their",
        "he",
        "she",
        "his",
        "her",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "just",
        "also",
        "too",
        "very",
        "really",
        "please",
        "pls",
        "plz",
        "kindly",
        "hi",
        "hello",
        "hey",
        "hiya",
        "yo",
        "dear",
        "thanks",
        "thank",
        "thx",
        "ty",
        "cheers",
        "good",
        "morning",
        "afternoon",
        "evening",
        "ok",
        "okay",
        "sir",
        "madam",
        "team",
        "guys",
        "tell",
        "know",
        "want",
        "wanted",
        "wondering",
        "wonder",
        "like",
        "get",
        "got",
        "let",
        "any",
        "some",
        "anyone",
        "someone",
        "question",
        "quick",
        "ask",
        "asking",
        "is",
        "possible",
        "need",
        "one",
    ]
)
NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "twenty": "20",
    "thirty": "30", "hundred": "100",
}  # fmt: skip
NEGATIONS = frozenset({"not", "no", "never", "without", "nor", "none", "cannot", "nothing"})
WEEKDAYS = {
    "monday": "monday", "mon": "monday", "tuesday": "tuesday", "tue": "tuesday",
    "tues": "tuesday", "wednesday": "wednesday", "wed": "wednesday", "thursday": "thursday",
    "thu": "thursday", "thur": "thursday", "thurs": "thursday", "friday": "friday",
    "fri": "friday", "saturday": "saturday", "sat": "saturday", "sunday": "sunday",
    "sun": "sunday", "weekend": "weekend", "weekday": "weekday",
}  # fmt: skip
MONTHS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
#: Canonical forms of common support vocabulary (after stemming).
SYNONYMS = {
    "deliver": "ship", "delivery": "ship", "shipment": "ship", "dispatch": "ship",
    "post": "ship", "send": "ship", "mail": "ship", "arrive": "ship",
    "cost": "price", "much": "price", "fee": "price", "charge": "price", "pay": "price",
    "expensive": "expensive", "cheap": "cheapest", "cheaper": "cheapest",
    "opening": "open", "operating": "open", "operation": "open", "close": "close",
    "closing": "close", "shut": "close", "hour": "hours", "time": "hours", "schedule": "hours",
    "parcel": "package", "purchase": "buy", "item": "product", "stuff": "product",
    "located": "location", "locate": "location", "address": "location", "find": "location",
    "store": "shop", "shop": "shop", "outlet": "shop", "place": "shop",
    "exchange": "exchange", "swap": "exchange", "refund": "refund", "money": "refund",
    "return": "return", "phone": "contact", "call": "contact", "reach": "contact",
    "email": "contact", "international": "abroad", "internationally": "abroad",
    "overseas": "abroad", "worldwide": "abroad",
    "country": "abroad", "countries": "abroad", "accept": "take", "method": "way",
    "option": "way", "long": "duration", "take": "take", "day": "day",
}  # fmt: skip
#: Tokens that must be identical for two questions to match (their opposites flip the answer).
ANTONYMS = frozenset(
    {"open", "close", "enable", "disable", "off", "before", "after", "cheapest", "expensive",
     "minimum", "maximum", "min", "max", "first", "last", "today", "tomorrow", "tonight",
     "yesterday", "holiday", "christmas", "morning", "night", "early", "late", "refund",
     "exchange", "return", "cancel", "abroad"}
)  # fmt: skip
#: Tokens that say little on their own: they weigh less in the overlap.
WEAK = frozenset({"hours", "price", "product", "shop", "way", "take", "day", "make", "go"})


def fold(text: str) -> str:
    """NFKC, casefold, accents and punctuation removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = _PUNCT.sub(" ", text.replace("_", " "))
    text = _NUMBER_SPLIT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def stem(word: str) -> str:
    """A light English stemmer: enough to fold plurals and -ing/-ed forms."""
    if word in SYNONYMS or word in NEGATIONS or len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl, min_len in (("ies", "y", 5), ("ing", "", 6), ("ed", "", 5), ("s", "", 4)):
        if word.endswith(suffix) and len(word) >= min_len and not word.endswith("ss"):
            word = word[: len(word) - len(suffix)] + repl
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # shipp -> ship
            break
    return word


@dataclass(frozen=True, slots=True)
class Signature:
    """A normalised question: its content tokens, critical tokens and character trigrams."""

    tokens: frozenset[str]
    critical: frozenset[str]
    trigrams: frozenset[str]

    @property
    def key(self) -> str:
        """The exact-match key: sorted tokens (critical ones included)."""
        return " ".join(sorted(self.tokens | self.critical))

    @property
    def empty(self) -> bool:
        """Whether the question had no content word at all (a greeting, "ok", an emoji)."""
        return not self.tokens and not self.critical


def signature(text: str) -> Signature:
    """The signature of a question (see the module docstring for what is kept)."""
    folded = fold(text)
    switched_on = bool(_SWITCH_ON.search(folded))
    switched_off = bool(_SWITCH_OFF.search(folded))
    tokens: set[str] = set()
    critical: set[str] = set()
    numbers = 0
    for raw in folded.split():
        word = NUMBER_WORDS.get(raw, raw)
        if word in NEGATIONS:
            critical.add("not")
            continue
        if word.isdigit():
            # Numbers keep their order ("4 pots and 2 plants" is not "2 pots and 4 plants").
            numbers += 1
            critical.add(f"{str(int(word)) if len(word) < 12 else word}@{numbers}")
            continue
        day = word[:-1] if word.endswith("s") and word[:-1] in WEEKDAYS else word
        if day in WEEKDAYS:
            critical.add(WEEKDAYS[day])
            continue
        if word in MONTHS:
            critical.add(word[:3])
            continue
        if word in ("on", "off"):
            if word == "off" or switched_on:
                critical.add("enable" if word == "on" else "disable")
            continue
        if word in STOPWORDS or (word in _SWITCH_VERBS and (switched_on or switched_off)):
            continue
        word = SYNONYMS.get(stem(word), stem(word))
        if word in ANTONYMS:
            critical.add(word)
        else:
            tokens.add(word)
    if switched_off:
        critical.add("disable")
    return make_signature(tokens, critical)


def make_signature(tokens: Iterable[str], critical: Iterable[str]) -> Signature:
    """A signature from its tokens (as stored by the cache), trigrams computed."""
    token_set, critical_set = frozenset(tokens), frozenset(critical)
    grams: set[str] = set()
    for word in token_set | critical_set:
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return Signature(token_set, critical_set, frozenset(grams))


def _weight(token: str) -> float:
    return 0.25 if token in WEAK else 1.0


def _weighted_jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    union = sum(_weight(t) for t in sa | sb)
    return sum(_weight(t) for t in sa & sb) / union if union else 1.0


@functools.lru_cache(maxsize=8192)
def _grams(word: str) -> frozenset[str]:
    padded = f" {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _typo_of(word: str, others: Iterable[str]) -> bool:
    """Whether `word` is a misspelling of one of `others` (close length, shared trigrams)."""
    grams = _grams(word)
    for other in others:
        if abs(len(word) - len(other)) > 2:
            continue
        theirs = _grams(other)
        if 2 * len(grams & theirs) / (len(grams) + len(theirs)) >= 0.5:
            return True
    return False


def similarity(a: Signature, b: Signature) -> float:
    """How alike two questions are, in [0, 1].

    0 whenever their critical tokens differ, and whenever each has a content word the other
    lacks that is not a misspelling of one of the other's (a substitution such as "fig" for
    "ivy" or "price" for "duration" asks about something else); one question adding words
    to the other is fine ("open?" / "opening hours?").
    """
    if a.critical != b.critical:
        return 0.0
    if a.empty or b.empty:
        return 0.0
    only_a, only_b = a.tokens - b.tokens, b.tokens - a.tokens
    if (
        only_a
        and only_b
        and (len(only_a) > 2 or not all(_typo_of(word, only_b) for word in only_a))
    ):
        return 0.0
    words = _weighted_jaccard(a.tokens | a.critical, b.tokens | b.critical)
    if not a.trigrams or not b.trigrams:
        return words
    grams = 2 * len(a.trigrams & b.trigrams) / (len(a.trigrams) + len(b.trigrams))
    return max(words, 0.7 * words + 0.3 * grams)
