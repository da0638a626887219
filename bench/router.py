"""Benchmark of onebox-router: routing overhead, and cache/cost figures on a written message set.

Run: ``uv run python bench/router.py`` (``--stream FILE.jsonl`` for another set; the default is
``../shared/data/router-dev.jsonl`` beside the repository).

Part 1 — overhead per message, against calling the same loopback fake provider directly with
httpx (the baseline): a cache hit, a cache miss answered by the fake over HTTP (lookup, call,
ledger row, cache store), and an in-process instant provider.

Part 2 — the message set replayed as `onebox eval` does (every row once, then Zipf-like
repeats, each the first message of a new chat), each figure beside its baseline from the same
run: exact-repeat and first-seen paraphrase hits, with the cache anchored on each business's
FAQ (``--faq``, default ``bench/data/faq``) and without, against a cache keyed on the raw text
(same privacy rule); the replay's cost against sending every message to Claude, both with the same
cache and without any; the whole route's latency on exact and paraphrase hits (p50, p99)
against an indexed SQLite read of the raw text; and the personal-content patterns on 100 KB
adversarial inputs against the former quadratic email pattern.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import logging
import os
import random
import re
import sqlite3
import statistics
import string
import tempfile
import time
from pathlib import Path

import anyio
import httpx
import structlog
from onebox_bus import Database
from onebox_router import Conversation, Price, RouterSettings, Turn, build_router, lookup_price
from onebox_router._schema import metadata
from onebox_router.personal import PATTERNS, personal_reasons
from onebox_router.testing import FakeOpenAIServer, FunctionProvider

from onebox._eval import Replayed, Row, evaluate, load_faqs, load_rows

SYSTEM = (
    "You are the assistant of Casa Verde, a plant shop in Lisbon. Answer in two or three short "
    "sentences, in the customer's language. Never invent prices, stock or delivery dates; if "
    "you are not sure, say that a person from the team will follow up. Opening hours: Mon-Fri "
    "9-19, Sat 10-14. Shipping within the EU only. Returns of pots within 30 days."
)


# --- part 1: overhead ---------------------------------------------------------------------


def per_message(samples: list[float]) -> float:
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


async def bench_overhead(tmp: Path, rounds: int) -> None:
    db = Database(f"sqlite:///{tmp / 'overhead.db'}")
    metadata.create_all(db.engine)
    rng = random.Random(1)
    with FakeOpenAIServer(flavour="groq") as groq:
        async with httpx.AsyncClient() as http:
            body = {
                "model": "llama-3.1-8b-instant", "max_tokens": 512, "temperature": 0.3,
                "stream": False, "messages": [{"role": "system", "content": SYSTEM},
                                              {"role": "user", "content": "Do you sell pots?"}],
            }  # fmt: skip
            headers = {"authorization": f"Bearer {groq.api_key}"}
            direct = []
            for _ in range(rounds):
                started = time.perf_counter()
                response = await http.post(
                    groq.url + "/chat/completions", json=body, headers=headers
                )
                response.json()
                direct.append(time.perf_counter() - started)
            settings = RouterSettings(groq_api_key=groq.api_key, groq_base_url=groq.url)
            router = build_router(settings, http=http, db=db)
            for state in router.states.values():
                state.quota = type(state.quota).per_minute(rpm=None, tpm=None)
            miss = []
            for _ in range(rounds):
                word = "".join(rng.choices(string.ascii_lowercase, k=9))
                conv = Conversation(
                    system=SYSTEM, turns=[Turn(role="user", text=f"Do you sell {word} plants?")]
                )
                started = time.perf_counter()
                reply = await router.route(conv)
                miss.append(time.perf_counter() - started)
                assert reply.provider == "groq", reply.provider
            conv = Conversation(
                system=SYSTEM, turns=[Turn(role="user", text="Do you sell gift cards?")]
            )
            await router.route(conv)
            await router.flush()  # the answer is written behind the reply
            hit = []
            for _ in range(rounds * 3):
                started = time.perf_counter()
                reply = await router.route(conv)
                hit.append(time.perf_counter() - started)
                assert reply.cached
            await router.aclose()  # writes the reuse counts behind, before the file closes
    instant = FunctionProvider(lambda request: "yes", name="groq")
    from onebox_router import OfflineProvider, Router, RoutingPolicy, load_faq

    policy = RoutingPolicy(
        providers={}, chains={"simple": ("groq", "offline"), "complex": ("groq", "offline")}
    )
    plain = Router(
        policy=policy, providers={"groq": instant}, offline=OfflineProvider(load_faq(None))
    )
    logic = []
    for _ in range(rounds * 3):
        started = time.perf_counter()
        await plain.route(conv)
        logic.append(time.perf_counter() - started)
    db.close()
    base = per_message(direct)
    print("Part 1 - routing overhead per message (median of", rounds, "or more)")
    print(f"  baseline: httpx POST straight to the loopback fake Groq  {fmt(base)}")
    for label, samples in (
        ("router, cache hit (SQLite lookup, no provider)", hit),
        ("router, cache miss -> same fake over HTTP", miss),
        ("router logic only, in-process instant provider", logic),
    ):
        value = per_message(samples)
        print(f"  {label:<52}{fmt(value)}   ratio to baseline {value / base:6.2f}x")
    overhead = per_message(miss) - base
    print(f"  routing overhead on a miss (miss - baseline)          {fmt(overhead)}")
    print(f"  cache-hit target < 1 ms: {'met' if per_message(hit) < 0.001 else 'NOT met'}")


# --- part 2: an independently written message set ----------------------------------------

DEFAULT_STREAM = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "router-dev.jsonl"

DEFAULT_FAQ = Path(__file__).resolve().parent / "data" / "faq"


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


def raw_text_baseline(rows: list[Row], replayed: list[Replayed]) -> tuple[int, int]:
    """(exact-repeat hits, paraphrase hits) of a cache keyed on the raw text, same privacy rule."""
    stored: set[tuple[str, str]] = set()
    exact = paraphrase = 0
    for item in replayed:
        row = rows[item.index]
        key = (row.business, row.text)
        if personal_reasons(row.text):
            continue
        if key in stored:
            exact += 1
        stored.add(key)
    return exact, paraphrase


def raw_lookup_latency(rows: list[Row], replayed: list[Replayed], tmp: Path) -> list[float]:
    """Seconds per hit of an indexed SQLite read keyed on a hash of the raw text."""
    db = sqlite3.connect(tmp / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE raw (key TEXT PRIMARY KEY, answer TEXT)")
    for row in rows:
        key = hashlib.sha256(f"{row.business}\x00{row.text}".encode()).hexdigest()
        db.execute("INSERT OR REPLACE INTO raw VALUES (?, ?)", (key, "answer"))
    samples = []
    for item in replayed:
        if item.outcome != "exact":
            continue
        row = rows[item.index]
        started = time.perf_counter()
        key = hashlib.sha256(f"{row.business}\x00{row.text}".encode()).hexdigest()
        db.execute("SELECT answer FROM raw WHERE key = ?", (key,)).fetchone()
        samples.append(time.perf_counter() - started)
    db.close()
    return samples


def privacy_check_times() -> tuple[float, str, float]:
    """(worst seconds of any personal pattern on 100 KB, its input, old email pattern on 20 KB)."""
    units = ["a", "1", "a1", "1 ", "1.", "a-", "a@", "\n", "my ", "i ", "room ", "it's "]
    worst, worst_name = 0.0, ""
    for name, pattern in PATTERNS.items():
        for unit in units:
            text = unit * (100_000 // len(unit))
            started = time.perf_counter()
            pattern.search(text)
            took = time.perf_counter() - started
            if took > worst:
                worst, worst_name = took, f"{name} on {unit!r} x {100_000 // len(unit)}"
    old_email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
    started = time.perf_counter()
    old_email.search("a" * 20_000)
    return worst, worst_name, time.perf_counter() - started


async def bench_dev_set(
    path: Path, seed: int, repeats: int, tmp: Path, faq_dir: Path | None
) -> None:
    rows = load_rows(path)
    faqs = load_faqs(faq_dir, {row.business for row in rows}) if faq_dir else {}
    plain = await evaluate(rows, seed=seed, repeats=repeats)
    report = await evaluate(rows, seed=seed, repeats=repeats, faqs=faqs) if faqs else plain
    data = report.as_dict()
    passes = data["passes"]
    assert isinstance(passes, dict)
    total, first = passes["total"], passes["pass1"]
    plain_passes = plain.as_dict()["passes"]
    assert isinstance(plain_passes, dict)
    plain_total, plain_first = plain_passes["total"], plain_passes["pass1"]
    replayed = report.replayed
    raw_exact, raw_paraphrase = raw_text_baseline(rows, replayed)
    print()
    print(f"Part 2 - {path.name}: {len(rows)} rows once (seed {seed}), then {repeats} "
          "Zipf-like repeats; each row the first message of a new chat")  # fmt: skip
    print(f"  FAQs anchoring the cache: {len(faqs)} of {len({r.business for r in rows})} "
          f"businesses ({faq_dir or 'none'})")  # fmt: skip
    print(f"  {'':30}{'onebox + FAQ':>14}{'onebox, no FAQ':>16}{'raw-text lookup':>18}")
    possible = total["exact_possible"]
    print(f"  {'exact-repeat hits':30}{total['exact_hits']:>8} / {possible:<4}"
          f"{plain_total['exact_hits']:>10} / {possible:<4}"
          f"{raw_exact:>12} / {possible}")  # fmt: skip
    possible = first["paraphrase_possible"]
    print(f"  {'first-seen paraphrase hits':30}{first['paraphrase_hits']:>8} / {possible:<4}"
          f"{plain_first['paraphrase_hits']:>10} / {possible:<4}"
          f"{raw_paraphrase:>12} / {possible}")  # fmt: skip
    perfect = total["perfect_cache_hits"]
    ours_hits = total["exact_hits"] + total["paraphrase_hits"]
    plain_hits = plain_total["exact_hits"] + plain_total["paraphrase_hits"]
    raw_share = (raw_exact + raw_paraphrase) / perfect
    print(f"  {'hits / a perfect cache':30}{ours_hits / perfect:>13.1%}"
          f"{plain_hits / perfect:>16.1%}{raw_share:>18.1%}")  # fmt: skip
    print(f"  false hits {total['false_hits']} / {plain_total['false_hits']}, personal leaks "
          f"{total['personal_leaks']} / {plain_total['personal_leaks']} (with / without FAQ; "
          "targets 0, 0)")  # fmt: skip
    labels = data["labels"]
    assert isinstance(labels, dict)
    print(f"  classifier: complex recall {labels['complex']['recall']:.2f} (target >= 0.85), "
          f"simple precision {labels['simple']['precision']:.2f} (target >= 0.9)")  # fmt: skip

    claude, groq = lookup_price("claude-sonnet-4-5"), lookup_price("llama-3.1-8b-instant")
    assert claude is not None
    assert groq is not None

    def cost(price: Price, items: list[Replayed]) -> float:
        return sum(price.cost(i.input_tokens, i.output_tokens) for i in items)

    ours = sum(item.cost_usd for item in replayed)
    claude_cached = cost(claude, [i for i in replayed if not i.cached])
    claude_all = cost(claude, replayed)
    routed_uncached = sum(
        (claude if i.classification == "complex" else groq).cost(i.input_tokens, i.output_tokens)
        for i in replayed
    )
    print("  cost of the replay (fake replies of ~150 tokens, list prices):")
    print(f"    with the same cache:    onebox ${ours:.4f}   all-to-Claude ${claude_cached:.4f}"
          f"   {claude_cached / max(ours, 1e-12):5.1f}x cheaper")  # fmt: skip
    print(
        f"    without a cache:        onebox ${routed_uncached:.4f}   all-to-Claude "
        f"${claude_all:.4f}   {claude_all / max(routed_uncached, 1e-12):5.1f}x cheaper"
    )

    exact = [i.latency_s for i in replayed if i.outcome == "exact"]
    similar = [i.latency_s for i in replayed if i.outcome == "paraphrase"]
    raw = raw_lookup_latency(rows, replayed, tmp)
    load = os.getloadavg()[0]
    print(f"  hit latency, whole route (classify, privacy, signature, lookup; load {load:.1f}):")
    for label, samples, target in (
        ("exact-repeat hit", exact, 0.0005), ("paraphrase hit", similar, 0.002),
        ("baseline: raw-text SQLite read", raw, None),
    ):  # fmt: skip
        if not samples:
            print(f"    {label:32} no samples")
            continue
        p99 = pct(samples, 0.99)
        verdict = "" if target is None else (
            f"   p99 target < {target * 1000:g} ms: {'met' if p99 < target else 'NOT met'}"
        )  # fmt: skip
        print(f"    {label:32} n={len(samples):4}  p50 {fmt(pct(samples, 0.5))}  "
              f"p99 {fmt(p99)}{verdict}")  # fmt: skip
    worst, name, old = privacy_check_times()
    print(f"  privacy patterns, worst on 100 KB adversarial input: {fmt(worst)} ({name})")
    print(
        f"  baseline: the former email pattern on 20 KB of letters: {old:.2f} s "
        f"(quadratic: about {old * 25:.0f} s on 100 KB)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stream",
        type=Path,
        default=DEFAULT_STREAM,
        help="a JSON-lines message set (default ../shared/data/router-dev.jsonl)",
    )
    parser.add_argument(
        "--faq",
        type=Path,
        default=DEFAULT_FAQ,
        help="folder of FAQs named <business>.md (default bench/data/faq); '' for none",
    )
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    gc.freeze()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if not args.skip_overhead:
            await bench_overhead(tmp, args.rounds)
        faq = args.faq if args.faq and str(args.faq) not in ("", ".") else None
        await bench_dev_set(args.stream, args.seed, args.repeats, tmp, faq)


if __name__ == "__main__":
    anyio.run(main)
