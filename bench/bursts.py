"""Bursts: replies per burst and the delay added to complete questions, per wait policy.

First, on ``bench/data/bursts-stream.jsonl`` (hand-written apart from the classifier, see
``bench/data/README.md``), the orchestrator's policies side by side in the same run:

- ``off`` (never wait): every message answered at once, on its own (the baseline);
- ``always wait``: every message waits for a 1.5 s quiet window (capped 6 s after the first);
- ``wait only``: a fragment or bare greeting waits like that, a complete question does not,
  and nothing is folded (the ``decide`` policy before folding);
- ``fold``: answer at once; a message arriving before the reply is committed is folded in
  and the joined text routed again;
- ``decide`` (the default): ``wait only`` and ``fold`` together (a fragment folded in makes
  the burst wait its quiet window).

Measured at each routing time of ``--route-ms`` (default 0.8 s and 2.5 s), in virtual time
(exact semantics, `onebox_orchestrator.bursts.simulate`) and in real time (the real handler,
gate and watch on a real SQLite bus, the stream published at its own pace, after a discarded
warm-up run). Printed per policy: replies per burst (bursts and greeting + question: the
ideal is 1) and the share answered with exactly one, replies per spaced conversation (the
ideal is 4), router calls per message (folding routes again), the share of complete
questions (a request of one message) answered more than 0.25 s later than under ``off``,
their added latency against ``off`` (p50/p99, paired per question) and their latency (mean,
p50, p99) with the ratio of means to ``off``.

First, `is_fragment` against the stream's requests, per half (``--split``: ``dev``, the
odd-numbered conversations, is the half a change to the classifier may be studied on;
``heldout``, the even-numbered ones, is only reported).

Then the earlier synthetic stream (written with `is_fragment`, so not independent evidence),
the issue's two cases and the classifier's cost per message beside a baseline loop.

Run: ``uv run python bench/bursts.py [--route-ms 800,2500] [--split all|dev|heldout]
[--scale 1.0] [--no-real] [--conversations 2000] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import anyio
import structlog
from bursts_stream import (
    STREAM,
    Replies,
    Split,
    baseline,
    classifier_errors,
    load,
    replay_policy,
    run_real,
    score,
)
from onebox_orchestrator.bursts import BurstWindow, PolicyName, is_fragment, replay

Arrivals = list[tuple[float, str]]

BURSTS: list[list[str]] = [
    ["hi", "I ordered a monstera last week", "order 4411", "it hasn't arrived, can you check?"],
    ["hello", "do you ship to Spain?"],
    ["hi there", "quick question", "do you sell bonsai scissors"],
    ["good morning!", "my plant arrived damaged", "what do I do?"],
    ["hey", "I want to order", "two medium terracotta pots", "for delivery in Lisbon"],
    ["my order", "4411", "not arrived"],
    ["do you ship to Spain?", "and Portugal?"],
    ["I need a gift for my mum", "something easy to care for", "under 40 euros", "any ideas?"],
    ["hola", "quería saber", "¿hacen envíos a Canarias?"],
    ["buenas", "mi pedido 5120 no ha llegado", "¿me pueden ayudar?"],
    ["olá", "encomendei uma monstera", "ainda não chegou"],
    ["bom dia", "vocês têm vasos grandes?", "e quanto custam?"],
    ["bonjour", "j'ai commandé un cactus", "commande 7730", "il n'est pas arrivé"],
    ["salut", "vous livrez à Lyon ?"],
    ["I ordered on Monday,", "paid with card", "and still no email"],
    ["is the shop open today?", "I want to pick up my order", "number 4411"],
]
SINGLES: list[str] = [
    "What are your opening hours?",
    "Do you ship internationally?",
    "How much does shipping cost?",
    "what time do you open on saturday",
    "Can I pick up my order in store?",
    "My order 4411 has not arrived yet.",
    "Do you have gift vouchers?",
    "I would like to order two medium terracotta pots for my balcony",
    "¿Cuál es el horario de la tienda?",
    "¿Hacen envíos a Canarias?",
    "Vocês entregam em Braga?",
    "Qual é o horário de sábado?",
    "Est-ce que vous livrez à Lyon ?",
    "Quels sont vos horaires ?",
    "opening hours",
    "price of the monstera",
    "delivery to porto",
    "Thanks, that's all I needed!",
]


def gap(rng: random.Random) -> float:
    """Seconds between two fragments of one burst (typing the next one)."""
    return min(5.0, max(0.25, rng.lognormvariate(0.18, 0.6)))


def stream(conversations: int, seed: int) -> tuple[list[Arrivals], list[Arrivals]]:
    """Half bursts, half single complete questions; each conversation starts at t = 0."""
    rng = random.Random(seed)
    bursts, singles = [], []
    for i in range(conversations):
        if i % 2 == 0:
            at, arrivals = 0.0, []
            for text in rng.choice(BURSTS):
                arrivals.append((at, text))
                at += gap(rng)
            bursts.append(arrivals)
        else:
            singles.append([(0.0, rng.choice(SINGLES))])
    return bursts, singles


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def measure(
    bursts: list[Arrivals],
    singles: list[Arrivals],
    decide: Callable[[str], bool],
    window: BurstWindow,
) -> dict[str, float]:
    per_burst, after_last = [], []
    for arrivals in bursts:
        replies = replay(arrivals, window=window, decide=decide)
        per_burst.append(len(replies))
        after_last.append(replies[-1][0] - arrivals[-1][0])
    added = [replay(a, window=window, decide=decide)[0][0] - a[0][0] for a in singles]
    return {
        "replies": statistics.fmean(per_burst),
        "one": 100.0 * sum(n == 1 for n in per_burst) / len(per_burst),
        "added50": pct(added, 50),
        "added99": pct(added, 99),
        "delayed": 100.0 * sum(a > 0 for a in added) / len(added),
        "last50": pct(after_last, 50),
        "last99": pct(after_last, 99),
    }


POLICIES: dict[str, tuple[Callable[[str], bool], BurstWindow]] = {
    "never wait": (lambda _text: False, BurstWindow()),
    "always wait 1.5 s": (lambda _text: True, BurstWindow()),
    "wait from the message": (is_fragment, BurstWindow()),
    "wait, quiet 3 s": (is_fragment, BurstWindow(quiet_s=3.0)),
}


VIRTUAL = ("off", "always", "wait only", "fold", "decide")
REAL: tuple[PolicyName, ...] = ("off", "fold", "decide")


def stream_section(
    path: str, *, routes: list[float], scale: float, real: bool, split: Split
) -> None:
    """The policies on the independent stream, virtual and real time, per routing time."""
    convs = load(Path(path), split=split)
    window = BurstWindow()
    kinds = Counter(c.kind for c in convs)
    questions = sum(len(c.complete) for c in convs)
    print(f"{Path(path).name} ({split}): {len(convs)} conversations {dict(kinds)}, "
          f"{questions} complete questions; quiet 1.5 s, cap 6 s\n")  # fmt: skip
    header = ("policy", "replies/burst", "1 reply", "spaced", "calls/msg", "delayed", "+p50",
              "+p99", "mean", "p50", "p99", "x off")  # fmt: skip
    widths = (22, 13, 8, 7, 9, 8, 7, 7, 7, 7, 7, 6)

    def row(name: str, m: dict[str, float], ratio: float) -> None:
        cells = (
            f"{m['replies']:.2f}", f"{m['one']:.0f}%", f"{m['spaced']:.2f}", f"{m['calls']:.2f}",
            f"{m['delayed']:.0f}%", f"{m['added50']:.2f}s", f"{m['added99']:.2f}s",
            f"{m['mean']:.2f}s", f"{m['p50']:.2f}s", f"{m['p99']:.2f}s", f"{ratio:.2f}",
        )  # fmt: skip
        print(
            f"{name:<22} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths[1:], strict=True))
        )

    def table(title: str, runs: dict[str, dict[str, Replies]]) -> None:
        print(title)
        print(" ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(
            zip(header, widths, strict=True))))  # fmt: skip
        base = baseline(convs, runs["off"])
        off = score(convs, runs["off"], base=base)
        for name, replies in runs.items():
            m = score(convs, replies, base=base)
            row(name, m, m["mean"] / off["mean"])
        print()

    if real:
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
        warm = [c for c in convs if c.kind == "single"][:10]  # imports, caches: not measured
        anyio.run(lambda: run_real(warm, "off", window=window, route_s=0.1, scale=scale))
    for route_s in routes:
        virtual = {
            name: {c.id: replay_policy(c, name, window=window, route_s=route_s) for c in convs}
            for name in VIRTUAL
        }
        virtual["decide, quiet 3 s"] = {
            c.id: replay_policy(c, "decide", window=BurstWindow(quiet_s=3.0), route_s=route_s)
            for c in convs
        }
        table(f"routing {route_s * 1000:.0f} ms, virtual time (exact semantics):", virtual)
        if not real:
            continue
        measured = {
            name: anyio.run(
                lambda n=name, r=route_s: run_real(convs, n, window=window, route_s=r, scale=scale)
            )
            for name in REAL
        }
        table(f"routing {route_s * 1000:.0f} ms, real time (real handler and SQLite bus, "
              f"stream time x{scale:g}):", measured)  # fmt: skip


def classifier_section(path: str) -> None:
    """`is_fragment` against the stream's labels, per half (``dev`` studied, ``heldout`` not)."""
    print("is_fragment against the stream's requests (wrong, per kind of message):")
    print(f"{'split':<9} {'complete judged fragment':>25} {'burst end judged fragment':>26} "
          f"{'inner judged complete':>22}")  # fmt: skip
    for split in ("dev", "heldout", "all"):
        e = classifier_errors(load(Path(path), split=split), is_fragment)  # type: ignore[arg-type]
        cells = [f"{e[k]:.0f}% of {e['n_' + k]:.0f}" for k in ("complete", "ends", "inner")]
        print(f"{split:<9} {cells[0]:>25} {cells[1]:>26} {cells[2]:>22}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", default=str(STREAM))
    parser.add_argument("--route-ms", default="800,2500", help="routing times, comma-separated")
    parser.add_argument("--split", choices=("all", "dev", "heldout"), default="all")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--no-real", action="store_true")
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    routes = [float(ms) / 1000 for ms in args.route_ms.split(",")]
    classifier_section(args.stream)
    stream_section(args.stream, routes=routes, scale=args.scale, real=not args.no_real,
                   split=args.split)  # fmt: skip
    print("synthetic stream written with is_fragment (not independent evidence):")
    bursts, singles = stream(args.conversations, args.seed)
    print(f"{len(bursts)} bursts ({sum(map(len, bursts))} messages), {len(singles)} single "
          f"complete questions; quiet window 1.5 s, cap 6 s; seed {args.seed}\n")  # fmt: skip
    header = ("policy", "replies/burst", "1 reply", "questions delayed", "+p50", "+p99",
              "burst after last p50", "p99")  # fmt: skip
    widths = (25, 13, 8, 18, 7, 7, 21, 7)
    print(" ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(
        zip(header, widths, strict=True))))  # fmt: skip
    for name, (decide, window) in POLICIES.items():
        m = measure(bursts, singles, decide, window)
        cells = (f"{m['replies']:.2f}", f"{m['one']:.0f}%", f"{m['delayed']:.0f}%",
                 f"{m['added50']:.2f}s", f"{m['added99']:.2f}s", f"{m['last50']:.2f}s",
                 f"{m['last99']:.2f}s")  # fmt: skip
        print(
            f"{name:<25} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths[1:], strict=True))
        )

    quick = [(0.0, "hi"), (0.3, "my order"), (0.6, "4411"), (0.9, "has not arrived")]
    spaced = [(10.0 * i, text) for i, (_, text) in enumerate(quick)]
    print("\nreplies to 4 fragments within 1 s / to 4 messages 10 s apart:")
    for name, (decide, window) in POLICIES.items():
        within = len(replay(quick, window=window, decide=decide))
        apart = len(replay(spaced, window=window, decide=decide))
        print(f"  {name:<25} {within} / {apart}")

    texts = [text for arrivals in bursts + singles for _, text in arrivals]
    rounds = 5
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            text.strip()
    baseline = (time.perf_counter() - started) / (rounds * len(texts))
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            is_fragment(text)
    classify = (time.perf_counter() - started) / (rounds * len(texts))
    print(f"\nis_fragment: {classify * 1e6:.2f} µs/message "
          f"(baseline loop with str.strip: {baseline * 1e6:.2f} µs/message)")  # fmt: skip


if __name__ == "__main__":
    main()
