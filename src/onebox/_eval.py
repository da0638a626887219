"""Replay a labelled message set through the router and score its cache and classifier.

Each row of the JSON-lines file is the first message of a new chat (no history). Pass 1 sends
every row once, shuffled with a fixed seed, to an empty cache; pass 2 sends `repeats` rows
drawn with replacement, Zipf-like (a row's weight is 1/rank^1.1, rank its place after a seeded
shuffle). Providers are in-process fakes priced like the configured models: each answer is a
unique text, so a reply served from the cache can be traced to the row it was written for.

Scoring (the dev set's README): an *exact-repeat hit* served a reply stored for the identical
text; a *paraphrase hit* one stored for another text of the same group and language; a *false
hit* one stored for another group or another language; a *personal leak* is a personal row
answered from the cache, or a reply written for a personal row served to any row. A perfect
cache answers every non-personal row whose (group, language) was answered before.
"""

from __future__ import annotations

import hashlib
import math
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson
from onebox_bus import Database
from onebox_router import (
    CompletionRequest,
    ConfigError,
    Conversation,
    FaqEntry,
    OfflineProvider,
    ResponseCache,
    Router,
    RouterSettings,
    Turn,
    load_faq,
    load_policy,
    lookup_price,
)
from onebox_router.testing import FunctionProvider
from pydantic import SecretStr

LABELS = ("simple", "complex")


class EvalError(Exception):
    """The message set cannot be read (the message names the line)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One message of the set."""

    text: str
    group: str
    label: str | None
    personal: bool
    lang: str
    business: str


def load_rows(path: Path) -> list[Row]:
    """The rows of a JSON-lines file (``text`` required; ``intent``, ``group``, ``label``,
    ``personal``, ``lang``, ``business`` optional)."""
    rows: list[Row] = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"{path}: {exc.strerror or exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise EvalError(f"{path}:{number}: not JSON ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise EvalError(f"{path}:{number}: a row needs a string 'text'")
        label = data.get("label")
        if label is not None and label not in LABELS:
            raise EvalError(f"{path}:{number}: 'label' must be simple or complex, not {label!r}")
        personal = bool(data.get("personal", False))
        group = data.get("group") or data.get("intent")
        if personal or not group:
            group = f"row-{number}"  # a personal row is a group of its own
        rows.append(
            Row(
                text=data["text"], group=str(group), label=label, personal=personal,
                lang=str(data.get("lang") or "en"), business=str(data.get("business") or ""),
            )
        )  # fmt: skip
    if not rows:
        raise EvalError(f"{path}: no rows")
    return rows


def schedule(rows: Sequence[Row], *, seed: int, repeats: int) -> list[tuple[int, int]]:
    """(pass, row index) in replay order: every row once shuffled, then Zipf-like repeats."""
    rng = random.Random(seed)
    first = list(range(len(rows)))
    rng.shuffle(first)
    ranked = list(range(len(rows)))
    rng.shuffle(ranked)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(ranked))]
    second = rng.choices(ranked, weights, k=repeats) if repeats else []
    return [(1, i) for i in first] + [(2, i) for i in second]


def system_prompt(business: str) -> str:
    """The assistant's system prompt for a business of the set (one cache namespace each)."""
    name = business.replace("_", " ") or "the business"
    return f"You are the assistant of {name}. Answer briefly, in the customer's language."


@dataclass(slots=True)
class PassScore:
    """What one pass (or both) counted."""

    messages: int = 0
    exact_hits: int = 0
    exact_possible: int = 0
    paraphrase_hits: int = 0
    paraphrase_possible: int = 0
    perfect_hits: int = 0
    false_hits: int = 0
    personal_leaks: int = 0

    def as_dict(self) -> dict[str, float | int]:
        hits = self.exact_hits + self.paraphrase_hits
        return {
            "messages": self.messages,
            "exact_hits": self.exact_hits,
            "exact_possible": self.exact_possible,
            "paraphrase_hits": self.paraphrase_hits,
            "paraphrase_possible": self.paraphrase_possible,
            "paraphrase_share": _ratio(self.paraphrase_hits, self.paraphrase_possible),
            "perfect_cache_hits": self.perfect_hits,
            "of_perfect": _ratio(hits, self.perfect_hits),
            "false_hits": self.false_hits,
            "personal_leaks": self.personal_leaks,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Replayed:
    """One replayed message: what the router did and the tokens a provider call would cost."""

    run: int
    index: int
    outcome: str
    classification: str
    cached: bool
    cost_usd: float
    input_tokens: int
    output_tokens: int
    latency_s: float


@dataclass(slots=True)
class Report:
    """The outcome of a replay."""

    passes: dict[str, PassScore] = field(default_factory=dict)
    replayed: list[Replayed] = field(default_factory=list)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    cost_usd: float = 0.0
    latency_s: dict[str, list[float]] = field(default_factory=dict)
    incidents: list[dict[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether a false hit or a personal leak happened."""
        total = self.passes["total"]
        return bool(total.false_hits or total.personal_leaks)

    def as_dict(self) -> dict[str, object]:
        labels: dict[str, object] = {}
        right = sum(n for (want, got), n in self.confusion.items() if want == got)
        labelled = sum(self.confusion.values())
        labels["accuracy"] = _ratio(right, labelled)
        for cls in LABELS:
            truth = sum(n for (want, _), n in self.confusion.items() if want == cls)
            chosen = sum(n for (_, got), n in self.confusion.items() if got == cls)
            hit = self.confusion[(cls, cls)]
            labels[cls] = {
                "recall": _ratio(hit, truth), "precision": _ratio(hit, chosen), "rows": truth,
            }  # fmt: skip
        return {
            "passes": {name: score.as_dict() for name, score in self.passes.items()},
            "labels": labels,
            "cost_usd": round(self.cost_usd, 6),
            "latency_ms": {
                kind: _percentiles(samples) for kind, samples in sorted(self.latency_s.items())
            },
            "incidents": self.incidents,
        }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] * 1000, 3)

    return {
        "n": len(ordered), "p50": at(0.5), "p90": at(0.9), "p99": at(0.99),
        "mean": round(statistics.fmean(ordered) * 1000, 3),
    }  # fmt: skip


#: A fake answer is as long as a real short reply (about 150 tokens), so costs are realistic.
_FILLER = " Here is what you need to know, in a few short sentences." * 10


def _answer(request: CompletionRequest) -> str:
    digest = hashlib.sha256(f"{request.system}\x00{request.turns[-1].text}".encode()).hexdigest()
    return f"reply-{digest[:16]}.{_FILLER}"


def _answer_for(conv: Conversation) -> str:
    return _answer(CompletionRequest.from_conversation(conv, max_tokens=512, temperature=0.3))


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def build_eval_router(
    database: Path, settings: RouterSettings, *, faq: Sequence[FaqEntry] | None = None
) -> tuple[Router, Database]:
    """A router on a new database (returned too: the caller closes it), with the configured
    policy and in-process fake providers; `faq` (default: the configured FAQ file) answers
    offline and anchors the cache."""
    from onebox_bus import upgrade  # loaded on use (Alembic is heavy)

    url = f"sqlite:///{database}"
    upgrade(url)
    db = Database(url)
    policy = load_policy(settings)
    providers = {}
    configs = dict(policy.providers)
    for name, model in (("groq", settings.groq_model), ("claude", settings.anthropic_model)):
        price = lookup_price(model)
        base = configs.get(name)
        if base is None:
            continue
        configs[name] = replace(
            base, rpm=None, tpm=None, monthly_budget_usd=None, price=price or base.price
        )
        providers[name] = FunctionProvider(_answer, name=name, model=model)
    policy = replace(policy, providers={n: c for n, c in configs.items() if n in providers})
    policy = replace(
        policy,
        chains={
            cls: tuple(n for n in chain if n in providers or n == "offline")
            for cls, chain in policy.chains.items()
        },
    )
    entries = list(faq) if faq is not None else load_faq(settings.faq_file)
    cache = ResponseCache(
        db, clock=time.time, ttl_s=policy.cache_ttl_s, threshold=policy.cache_similarity,
        anchors=entries if faq is not None else (),
    )  # fmt: skip
    router = Router(
        policy=policy,
        providers=providers,
        offline=OfflineProvider(entries),
        cache=cache,
        answer_version="eval",
    )
    return router, db


def load_faqs(folder: Path, businesses: Iterable[str]) -> dict[str, list[FaqEntry]]:
    """The FAQ of each business that has one in `folder` (``<business>.md``)."""
    faqs: dict[str, list[FaqEntry]] = {}
    for business in sorted(set(businesses)):
        path = folder / f"{business}.md"
        if path.is_file():
            try:
                faqs[business] = load_faq(path)
            except ConfigError as exc:
                raise EvalError(str(exc)) from None
    return faqs


async def evaluate(
    rows: Sequence[Row],
    *,
    seed: int = 16,
    repeats: int = 500,
    faqs: Mapping[str, Sequence[FaqEntry]] | None = None,
) -> Report:
    """Replay `rows` (see the module docstring) and score the router's answers.

    With `faqs`, each business that has one gets its own router whose cache is anchored on
    its FAQ (and whose offline answers come from it); the others share the default router.
    """
    settings = RouterSettings(
        groq_api_key=SecretStr("eval-fake"),
        anthropic_api_key=SecretStr("eval-fake"),
        local_llm_url=None,
    )
    report = Report()
    scores = {"pass1": PassScore(), "pass2": PassScore(), "total": PassScore()}
    with tempfile.TemporaryDirectory(prefix="onebox-eval-") as tmp:
        router, db = build_eval_router(Path(tmp) / "eval.db", settings)
        routers: dict[str, tuple[Router, Database]] = {}
        for number, (business, faq) in enumerate(sorted((faqs or {}).items())):
            routers[business] = build_eval_router(
                Path(tmp) / f"eval-{number}.db", settings, faq=faq
            )
        written_for: dict[str, int] = {}
        seen_texts: set[tuple[str, str]] = set()
        seen_groups: set[tuple[str, str]] = set()
        try:
            for number, (run, index) in enumerate(schedule(rows, seed=seed, repeats=repeats)):
                row = rows[index]
                conv = Conversation(
                    system=system_prompt(row.business),
                    turns=[Turn(role="user", text=row.text)],
                    channel="eval",
                    conversation_id=f"eval-{number}",
                )
                routed = routers[row.business][0] if row.business in routers else router
                reply = await routed.route(conv)
                await routed.flush()
                report.cost_usd += reply.cost_usd
                if row.label is not None:
                    report.confusion[(row.label, reply.classification)] += 1
                key_text = (row.business, row.text)
                key_group = (row.group, row.lang)
                repeat = key_text in seen_texts
                outcome = _score(row, reply.cached, reply.text, rows, written_for, repeat=repeat)
                if not reply.cached and reply.provider in ("groq", "claude"):
                    written_for.setdefault(reply.text, index)
                report.replayed.append(
                    Replayed(
                        run=run, index=index, outcome=outcome,
                        classification=reply.classification, cached=reply.cached,
                        cost_usd=reply.cost_usd,
                        input_tokens=_tokens(conv.system) + _tokens(row.text),
                        output_tokens=_tokens(_answer_for(conv)), latency_s=reply.latency_s,
                    )
                )  # fmt: skip
                kind = outcome if outcome in ("exact", "paraphrase") else "miss"
                report.latency_s.setdefault(kind, []).append(reply.latency_s)
                report.latency_s.setdefault("all", []).append(reply.latency_s)
                for score in (scores[f"pass{run}"], scores["total"]):
                    score.messages += 1
                    if not row.personal:
                        if repeat:
                            score.exact_possible += 1
                        elif key_group in seen_groups:
                            score.paraphrase_possible += 1
                        if key_group in seen_groups:
                            score.perfect_hits += 1
                    if outcome == "exact":
                        score.exact_hits += 1
                    elif outcome == "paraphrase":
                        score.paraphrase_hits += 1
                    elif outcome == "false":
                        score.false_hits += 1
                    elif outcome == "leak":
                        score.personal_leaks += 1
                if outcome in ("false", "leak"):
                    source = rows[written_for[reply.text]] if reply.text in written_for else None
                    report.incidents.append(
                        {
                            "kind": outcome, "pass": str(run), "text": row.text,
                            "group": row.group, "served_for": source.text if source else "?",
                            "served_group": source.group if source else "?",
                        }
                    )  # fmt: skip
                if not row.personal:
                    seen_texts.add(key_text)
                    seen_groups.add(key_group)
        finally:
            for closing, database in [(router, db), *routers.values()]:
                await closing.aclose()
                database.close()
    report.passes = scores
    return report


def _score(
    row: Row,
    cached: bool,
    text: str,
    rows: Sequence[Row],
    written_for: dict[str, int],
    *,
    repeat: bool,
) -> str:
    """``exact``, ``paraphrase``, ``false``, ``leak`` or ``miss`` for one reply.

    A right hit on a text asked before in this replay counts as an exact-repeat hit, on a text
    asked for the first time as a paraphrase hit.
    """
    if not cached:
        return "miss"
    source_index = written_for.get(text)
    if row.personal:
        return "leak"
    if source_index is None:
        return "false"  # served something no row of this replay was answered with
    source = rows[source_index]
    if source.personal:
        return "leak"
    if source.group != row.group or source.lang != row.lang:
        return "false"
    return "exact" if repeat else "paraphrase"


def render(report: Report) -> str:
    """The human-readable summary."""
    data = report.as_dict()
    lines = []
    passes = data["passes"]
    assert isinstance(passes, dict)
    for name in ("pass1", "pass2", "total"):
        s = passes[name]
        lines.append(
            f"{name:6} {s['messages']:4} msgs  exact {s['exact_hits']}/{s['exact_possible']}  "
            f"paraphrase {s['paraphrase_hits']}/{s['paraphrase_possible']} "
            f"({s['paraphrase_share']:.2f})  of perfect {s['of_perfect']:.2f} "
            f"({s['exact_hits'] + s['paraphrase_hits']}/{s['perfect_cache_hits']})  "
            f"false hits {s['false_hits']}  personal leaks {s['personal_leaks']}"
        )
    labels = data["labels"]
    assert isinstance(labels, dict)
    lines.append(
        f"labels accuracy {labels['accuracy']:.3f}  "
        + "  ".join(
            f"{cls}: recall {labels[cls]['recall']:.3f} precision {labels[cls]['precision']:.3f}"
            f" ({labels[cls]['rows']} rows)"
            for cls in LABELS
        )
    )
    lines.append(f"cost ${data['cost_usd']:.4f}")
    latency = data["latency_ms"]
    assert isinstance(latency, dict)
    for kind, p in latency.items():
        lines.append(
            f"latency {kind:10} n={p['n']:4}  p50 {p['p50']:.3f} ms  p90 {p['p90']:.3f} ms  "
            f"p99 {p['p99']:.3f} ms"
        )
    for incident in report.incidents:
        lines.append(
            f"{incident['kind'].upper()}: {incident['text']!r} ({incident['group']}) got the "
            f"reply for {incident['served_for']!r} ({incident['served_group']})"
        )
    return "\n".join(lines)
