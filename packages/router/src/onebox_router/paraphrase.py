"""Paraphrase matching for the response cache: slots must agree, topics must not be swapped.

`signature` turns a message into *critical* tokens (its slots, `onebox_router.slots`, and its
language) and *topic* tokens (content words, with everyday vocabulary folded onto concepts in
four languages; an inflection the tables do not list reaches its concept by its Snowball root
in the message's language, `onebox_router.stems`). `similarity` is 0 unless the critical
tokens are identical; it is also 0 when each message has a topic the other lacks (one asks
about the mat, the other about the towel), misspellings aside (character trigrams). Otherwise
it is the share of topics they have in common, so that one message adding a detail to the
other lowers the score rather than blocks.

The cache serves a paraphrase only at or above its threshold, so a detail that changes the
answer (a day, a number, a place, a diet, who it is for, a payment method, a negation, the
language) blocks reuse whatever the rest of the wording. What it cannot do: know that two
different words mean the same when neither the concept table nor a misspelling links them
("no animal products" and "vegan" are linked; "what is in the display" and "vegan" are not).
Such paraphrases miss (they cost a provider call); they never produce a wrong answer.
"""

from __future__ import annotations

import functools
import re

from .matching import Signature, make_signature
from .personal import fold
from .slots import GENERIC, NEGATIONS, NUMBER_WORDS, PHRASES, WORDS
from .stems import ALGORITHMS, root


def _split(words: str) -> frozenset[str]:
    """The whitespace-separated words of a table string."""
    return frozenset(words.split())


#: Function words by language, for `language` (the reply must be in the customer's language).
_LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "en": _split(
        "the is are you your do does can i we what when where how much many any have there get "
        "got an from by just like about some was were has had they their them our yes no ok "
        "okay thank thx cheers guys anything something someone hours price prices opening times "
        "time student students discount discounts card cash delivery deliver free book booking "
        "room rooms class classes cost costs open close closed weekend today tomorrow breakfast "
        "pay payment cancel refund shipping ship order how's available cheap cheaper kids "
        "children adult adults morning evening night week open hours price cost my me it this "
        "that of for to with on at and or please hi hello hey thanks thank which would could "
        "should will need get want be not don't isn't it's what's whats u r ur pls"
    ),
    "es": _split(
        "el la los las es son usted ustedes tienen tiene hay que como cuanto cuanta donde "
        "cuando puedo puede pueden para por con sin del al una unos hola gracias buenas quiero "
        "necesito se esta estan abren abierto precio cuesta mi muy tambien pero vosotros "
        "aceptais aceptan llevar hace me"
    ),
    "pt": _split(
        "os as sao voces tem ha que como quanto quanta onde quando posso pode podem para por "
        "com sem do da dos das ao uma uns ola obrigado obrigada boa bom quero preciso se esta "
        "estao abrem aberto preco custa meu minha muito tambem mas vcs nao sim aceitam levar "
        "faz ate logo"
    ),
    "fr": _split(
        "le la les est sont vous avez il que comme combien ou quand puis peut peuvent pour par "
        "avec sans du des au une bonjour merci bonne je veux besoin se ouvert prix coute mon ma "
        "mes tres aussi mais acceptez faut-il faut apporter sa son c'est qu'est-ce est-ce"
    ),
}
_LEADING_GREETING = re.compile(
    r"^\W*(?:(?:hi|hello|hey|hiya|ola|oi|hola|bonjour|salut|good|bom|boa|buenos|buenas)\W+)*"
    r"(?:morning|afternoon|evening|night|dia|tarde|noite|dias|tardes|noches)\b"
)
_MARKS = {"es": "ñ¿¡", "pt": "ãõ", "fr": "œèêëîûù"}
_PHRASE = re.compile(
    r"(?<![\w])(?:"
    + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True))
    + r")(?![\w])"
)
_CONTRACTION = re.compile(r"n't\b")
#: English contractions that say nothing ("who've", "we're", "you'll", "I'd", "I'm").
_CONTRACTED = re.compile(r"(?<=[a-z])'(?:ve|re|ll|d|m)\b")
_SWITCH_ON = re.compile(r"\b(?:turn|switch|put|set)\s+(?:\w+\s+){0,2}?on\b")
_SPLIT = re.compile(r"[^\w+]+")
_NUMBER_SPLIT = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
_PUNCT = frozenset("!?.,;:¿¡…-_'\"()[]{}*/\\#&%+=<>|~^`@$€£")
_PLURAL = re.compile(r"(?<=[a-z]{3})(?:es|s)$")


def language(text: str) -> str:
    """``en``, ``es``, ``pt`` or ``fr`` by function words and letters, or ``und`` if unsure."""
    lowered = text.casefold()
    words = fold(text).replace("?", " ").split()
    scores = dict.fromkeys(_LANGUAGE_WORDS, 0.0)
    for raw in words:
        word = raw.strip(".,!?;:()\"'")
        langs = [lang for lang, vocabulary in _LANGUAGE_WORDS.items() if word in vocabulary]
        for lang in langs:
            scores[lang] += 1 / len(langs)  # a word of several languages says less
    for lang, marks in _MARKS.items():
        scores[lang] += sum(1.5 for ch in marks if ch in lowered)
    if "ç" in lowered:
        scores["pt"] += 0.5
        scores["fr"] += 0.5
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return "und"
    return best


def _words(text: str) -> list[str]:
    folded = _CONTRACTED.sub(" ", _CONTRACTION.sub(" not", fold(text)))
    folded = _LEADING_GREETING.sub(" ", folded, count=1)
    folded = _PHRASE.sub(lambda m: f" {PHRASES[m.group(0)]} ", folded)
    out: list[str] = []
    for raw in folded.split():
        raw = raw.strip(".,!?;:()[]{}\"'«»…/*")
        if not raw:
            continue
        if raw in WORDS or raw in GENERIC or raw in NEGATIONS:
            out.append(raw)
            continue
        for part in _SPLIT.split(_NUMBER_SPLIT.sub(" ", raw.replace("'", " ")).replace("-", " ")):
            out.extend(part.split())
    return out


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _typo_index() -> dict[str, str | None]:
    """Each concept word of 5+ letters and its one-letter deletions -> it (None: ambiguous)."""
    index: dict[str, str | None] = {}
    for word, meaning in WORDS.items():
        # Only concepts: a real word one letter from a slot ("tight", "night") must not
        # become that slot.
        if len(word) < 5 or not word.isalpha() or not meaning.startswith("@"):
            continue
        for variant in {word} | _deletions(word):
            if index.get(variant, word) != word:
                index[variant] = None
            else:
                index[variant] = word
    return index


_TYPOS = _typo_index()


@functools.lru_cache(maxsize=4096)
def _lookup(word: str) -> str | None:
    """The slot or concept of `word` (also of its singular; a concept also misspelt)."""
    if word in WORDS:
        return WORDS[word]
    singular = _PLURAL.sub("", word)
    if singular != word and singular in WORDS:
        return WORDS[singular]
    if len(word) >= 5 and word.isalpha() and word not in GENERIC:
        # Not the word without its last letter: "advanced" is not a misspelt "advance".
        for variant in (word, *sorted(_deletions(word) - {word[:-1]})):
            known = _TYPOS.get(variant)
            if known is not None:
                return WORDS[known]
    return None


def _stem(word: str) -> str:
    for suffix, min_len in (("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if word.endswith(suffix) and len(word) >= min_len and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


@functools.cache
def _concept_roots(lang: str) -> dict[str, str | None]:
    """The root in `lang` of each concept word of the tables -> its concept (None: several).

    Built on first use (tens of milliseconds a language, and the stemmers' import): processes
    that import the router without matching messages (the agents, for speech-to-text) never
    pay it; the orchestrator builds them at start with `warm`.
    """
    index: dict[str, str | None] = {}
    for word, meaning in WORDS.items():
        if word.isalpha():
            stem = root(word, lang)
            # A root shared with a slot word or another concept links nothing.
            same = meaning.startswith("@") and index.get(stem, meaning) == meaning
            index[stem] = meaning if same else None
    return index


def warm() -> None:
    """Build every language's root index now, so that no customer's message waits for it."""
    for lang in ALGORITHMS:
        _concept_roots(lang)


@functools.lru_cache(maxsize=16384)
def _concept_of_root(word: str, lang: str) -> str | None:
    """The concept `word` is an inflection of in `lang` ("rent" -> ``@rent``, listed as
    "renting" and "rental"; "reservamos" -> ``@book``), or None.

    Only concepts: a root never sets a slot (Snowball over-cuts, and a slot must be sure). An
    English past participle links nothing: it is as often a state as the action ("advanced"
    is a level, not "advance" notice; "closed", "reserved").
    """
    if lang not in ALGORITHMS or word in GENERIC or (lang == "en" and word.endswith("ed")):
        return None
    return _concept_roots(lang).get(root(word, lang))


#: Texts up to this long have their signature remembered (customers repeat short questions).
MEMO_CHARS = 500


def signature(text: str) -> Signature:
    """Topic tokens and critical tokens (slots, language) of a message."""
    return _remembered(text) if len(text) <= MEMO_CHARS else _signature(text)


@functools.lru_cache(maxsize=4096)
def _remembered(text: str) -> Signature:
    return _signature(text)


#: What each diet leaves out, in the four languages: "vegan? no eggs or butter" restates the
#: diet, it does not add a negation of its own.
_DIET_EXCLUDES = {
    "diet=vegan": _split(
        "egg dairy milk butter cheese cream meat fish honey gelatin gelatine huevo leche "
        "mantequilla queso carne pescado miel ovo leite manteiga queijo peixe mel oeuf lait "
        "beurre fromage viande poisson"
    ),
    "diet=vegetarian": _split("meat fish chicken carne pescado pollo peixe frango viande poisson"),
    "diet=gf": _split("wheat gluten trigo ble"),
    "diet=df": _split("dairy milk lactose leche leite lait"),
    "diet=lf": _split("dairy milk lactose leche leite lait"),
}
_JOINERS = _split("or and nor ni nem ou o y e et any")


def _restated(words: list[str]) -> set[int]:
    """Positions of negations, and what they negate, that only restate a diet of the message."""
    excluded: set[str] = set()
    for word in words:
        excluded |= _DIET_EXCLUDES.get(_lookup(word) or "", frozenset())
    skip: set[int] = set()
    if not excluded:
        return skip
    for i, word in enumerate(words):
        if word not in NEGATIONS:
            continue
        span = [i]
        for j in range(i + 1, len(words)):
            if words[j] in _JOINERS:
                continue
            if words[j] in excluded or _PLURAL.sub("", words[j]) in excluded:
                span.append(j)
                continue
            break
        if len(span) > 1:
            skip.update(range(i, span[-1] + 1))
    return skip


def _signature(text: str) -> Signature:
    lang = language(text)
    topics: set[str] = set()
    critical: set[str] = {f"lang={lang}"}
    numbers = 0
    words = _words(text)
    if _SWITCH_ON.search(fold(text)):
        critical.add("dir=on")
    restated = _restated(words)
    for position, word in enumerate(words):
        if position in restated:
            continue
        if word in NEGATIONS:
            critical.add("neg")
            continue
        if word.isdigit() or (word in NUMBER_WORDS and word not in WORDS):
            numbers += 1
            value = word if word.isdigit() else NUMBER_WORDS[word]
            value = str(int(value)) if value.isdigit() and len(value) < 12 else value
            critical.add(f"n{numbers}={value}")
            continue
        meaning = _lookup(word)
        if meaning is None:
            meaning = _concept_of_root(word, lang)
        if meaning is not None and meaning.startswith("~"):
            continue  # soft: the way of asking
        if meaning is not None:
            (topics if meaning.startswith("@") else critical).add(meaning)
            if meaning == "@discount":
                critical.add("q=price")  # a discount is a question about a price
            continue
        if word in GENERIC or len(word) <= 1:
            continue
        topics.add(_stem(word))
    # What a slot already says is not a topic of its own: a payment method or a price implies
    # paying ("do I pay extra for delivery?" asks the price of delivery), and a discount for
    # someone is that person's price ("student discount?", "student price?").
    if "q=price" in critical or any(slot.startswith("pay=") for slot in critical):
        topics.discard("@pay")
    if "@discount" in topics and any(slot.startswith("who=") for slot in critical):
        topics.discard("@discount")
    if not topics and critical == {f"lang={lang}"}:
        # Nothing but courtesy ("hi", "thanks!"): only the same words match.
        topics = {f"~{word}" for word in words}
        if not topics:
            # Emoji only ("👍"): the same symbols match; punctuation alone has no content.
            symbols = "".join(ch for ch in fold(text) if not ch.isspace() and ch not in _PUNCT)
            if not symbols:
                return make_signature((), ())
            topics = {f"~{symbols}"}
    return make_signature(topics, critical)


@functools.lru_cache(maxsize=16384)
def _grams(word: str) -> frozenset[str]:
    padded = f" {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def misspelt(word: str, others: frozenset[str]) -> bool:
    if word.startswith("@") or len(word) < 4:
        return False
    grams = _grams(word)
    for other in others:
        if other.startswith("@") or abs(len(word) - len(other)) > 2 or len(other) < 4:
            continue
        theirs = _grams(other)
        if 2 * len(grams & theirs) / (len(grams) + len(theirs)) >= 0.6:
            return True
    return False


def similarity(a: Signature, b: Signature) -> float:
    """How alike two messages are for reuse, in [0, 1] (0: never reuse; see module docstring)."""
    if a.critical != b.critical or a.empty or b.empty:
        return 0.0
    if a.tokens == b.tokens:
        return 1.0
    only_a = frozenset(t for t in a.tokens - b.tokens if not misspelt(t, b.tokens - a.tokens))
    only_b = frozenset(t for t in b.tokens - a.tokens if not misspelt(t, a.tokens - b.tokens))
    if only_a and only_b:
        return 0.0
    shared = len(a.tokens | b.tokens) - len(only_a) - len(only_b)
    if shared <= 0:
        return 0.0
    return shared / (shared + len(only_a) + len(only_b))
