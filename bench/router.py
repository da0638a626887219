"""Benchmark of onebox-router: routing overhead, and cache/cost figures on a realistic stream.

Run: ``uv run python bench/router.py`` (``--messages 3000 --seed 7`` to change the stream).

Part 1 — overhead per message, against calling the same loopback fake provider directly with
httpx (the baseline): a cache hit, a cache miss answered by the fake over HTTP (lookup, call,
ledger row, cache store), and an in-process instant provider.

Part 2 — a stream of customer messages drawn Zipf-like from a few dozen FAQ intents (each asked
in many wordings), plus personal and complex messages and follow-ups, answered through real
fake servers speaking the Groq and Anthropic protocols. It prints the cache hit rate, the hit
rate of a perfect cache (one that answers every repeat of an already answered, non-personal,
context-free question), their ratio, false hits (a cached answer to another intent), personal
answers served from the cache, the share of replies per provider, and the total cost against
sending every message to the complex provider (Claude) without a cache.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import string
import tempfile
import time
from collections import Counter
from pathlib import Path

import anyio
import httpx
import structlog
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router import Conversation, RouterSettings, Turn, build_router
from onebox_router._schema import metadata
from onebox_router.testing import (
    FakeAnthropicServer,
    FakeOpenAIServer,
    FunctionProvider,
    RecordedRequest,
)

SYSTEM = (
    "You are the assistant of Casa Verde, a plant shop in Lisbon. Answer in two or three short "
    "sentences, in the customer's language. Never invent prices, stock or delivery dates; if "
    "you are not sure, say that a person from the team will follow up. Opening hours: Mon-Fri "
    "9-19, Sat 10-14. Shipping within the EU only. Returns of pots within 30 days."
)

INTENTS: dict[str, list[str]] = {
    "hours": [
        "What are your opening hours?", "what are ur opening hours pls", "When are you open?",
        "Opening hours?", "Hi! What time do you open?", "hours of operation?",
        "what r your hours", "Hello, what are your hours?", "When do you open?",
        "what are the opening times", "Could you tell me your opening hours?",
    ],
    "open_saturday": [
        "Are you open on Saturday?", "open on saturdays?", "Do you open on Saturdays?",
        "are you open saturday", "Hi, are you open this Saturday?", "Saturday opening hours?",
    ],
    "open_sunday": [
        "Are you open on Sunday?", "open on sundays?", "Do you open on Sundays?",
        "are you open sunday", "Sunday opening hours?", "Hi, are you open this Sunday?",
    ],
    "closing_time": [
        "What time do you close?", "When do you close?", "what time do u close today",
        "closing time?", "When are you closing?",
    ],
    "location": [
        "Where is your shop?", "Where are you located?", "What's your address?",
        "where is the store", "How do I find your shop?", "shop location?",
        "Where can I find you?",
    ],
    "ship_abroad": [
        "Do you ship internationally?", "Do you deliver abroad?", "do u ship overseas",
        "Do you ship worldwide?", "Can you deliver to other countries?",
        "international shipping?", "Do you send orders abroad?",
    ],
    "ship_spain": [
        "Do you ship to Spain?", "do you deliver to spain", "Can I get plants delivered in Spain?",
        "shipping to Spain?",
    ],
    "ship_france": [
        "Do you ship to France?", "do you deliver to france", "shipping to France?",
        "Can I get plants delivered in France?",
    ],
    "shipping_cost": [
        "How much does shipping cost?", "How much is shipping?", "What does delivery cost?",
        "shipping costs?", "how much do you charge for delivery", "delivery fee?",
        "What's the shipping price?", "Is shipping expensive?",
    ],
    "delivery_time": [
        "How long does delivery take?", "How long does shipping take?",
        "how many days for delivery", "When will my plants arrive if I order today?",
        "delivery time?", "How fast do you deliver?",
    ],
    "free_shipping": [
        "Do you offer free shipping?", "is shipping free", "Free delivery?",
        "Is there free shipping over a certain amount?", "When is delivery free?",
    ],
    "track": [
        "How can I track an order?", "How do I track my package?", "order tracking?",
        "Is there a tracking link for orders?", "how do i follow my delivery",
    ],
    "returns": [
        "What is your return policy?", "Can I return a product?", "How do returns work?",
        "returns policy?", "can i send something back", "Do you accept returns?",
    ],
    "refund": [
        "How do I get a refund?", "How do refunds work?", "refund policy?",
        "When do I get my money back?", "Can I get a refund?",
    ],
    "exchange": [
        "Can I exchange a pot for another size?", "Do you do exchanges?", "exchange policy?",
        "Can I swap an item?",
    ],
    "payment": [
        "Which payment methods do you accept?", "How can I pay?", "Do you take PayPal?",
        "payment options?", "Can I pay by card?", "do you accept mb way",
        "What payment methods are accepted?",
    ],
    "gift_cards": [
        "Do you sell gift cards?", "gift cards?", "Do you have gift vouchers?",
        "Can I buy a gift card?", "Gift card available?",
    ],
    "pickup": [
        "Can I pick up my order in the shop?", "Is click and collect possible?",
        "store pickup?", "Can I collect in store?", "Do you offer in-store pickup?",
    ],
    "watering": [
        "How often should I water my plants?", "how often do i water a plant",
        "How much water do plants need?", "watering frequency?", "When should I water?",
    ],
    "pet_safe": [
        "Are your plants safe for cats?", "are plants toxic to cats",
        "Which plants are safe for pets?", "pet safe plants?", "Are your plants pet friendly?",
    ],
    "weekend_delivery": [
        "Do you deliver on weekends?", "weekend delivery?", "Do you ship on Saturdays?",
        "Can I get a delivery on the weekend?",
    ],
    "cancel": [
        "Can I cancel an order?", "How do I cancel an order?", "order cancellation?",
        "Is it possible to cancel a purchase?",
    ],
    "business_discount": [
        "Do you offer discounts for businesses?", "business discount?",
        "Do you have corporate pricing?", "Discounts for offices?",
    ],
    "contact": [
        "How can I contact you?", "What's your phone number?", "How do I reach you?",
        "contact details?", "Can I call you?",
    ],
    "newsletter": [
        "Do you have a newsletter?", "How do I subscribe to your newsletter?",
        "newsletter signup?", "Can I get your newsletter?",
    ],
    "notifications_on": [
        "How do I turn notifications on?", "how to turn on notifications",
        "switch on notifications", "enable notifications?",
    ],
    "notifications_off": [
        "How do I turn notifications off?", "how to turn off notifications",
        "switch off notifications", "disable notifications?",
    ],
    "repotting": [
        "When should I repot a plant?", "how often do i repot", "repotting advice?",
        "Do plants need repotting?",
    ],
    "sunlight": [
        "How much light do my plants need?", "Do plants need direct sunlight?",
        "light requirements?", "Which plants like low light?",
    ],
    "sale": [
        "Do you have a sale on?", "Any discounts right now?", "current promotions?",
        "Is anything on sale?",
    ],
}  # fmt: skip

#: Personal messages: templates with a placeholder filled with a fresh value each time.
PERSONAL = [
    "Where is my order #{n}?",
    "Hi, my order {code} hasn't arrived yet",
    "Can you change the address on my order to {street}?",
    "My email is {email}, did you get my payment?",
    "I was charged €{amount} twice, please help",
    "Hi, my name is {name}, I ordered a monstera last week",
    "Please call me on +351 91{n} 345",
    "Has my refund for order {code} gone through?",
    "I want to cancel my order {n}",
    "my plant from order #{n} arrived damaged",
]

#: Complex messages: reasoning, comparisons, arithmetic, several questions.
COMPLEX = [
    "Should I buy the {p} or the {q} for a dark office, and why? Which one is easier to keep?",
    "If I order {k} pots at 12 each and {j} plants at 25, how much will I pay with 10% off?",
    "Can you explain step by step how to repot a {p} and compare bark versus moss?",
    "My {p} has yellow leaves and brown tips, what could be the reason and what should I change?",
    "Which is better for a north-facing balcony in winter, a {p} or a {q}? Pros and cons?",
]  # fmt: skip
PLANTS = ["monstera", "fig", "orchid", "fern", "pothos", "cactus", "palm", "snake plant", "ivy"]
NAMES = ["Maria", "João", "Ana", "Pedro", "Sofia", "Miguel", "Inês", "Rui"]
STREETS = ["Rua Augusta", "Avenida da Liberdade", "Rua do Ouro", "Rua Garrett"]


# --- the stream ---------------------------------------------------------------------------


class Message:
    """One customer message of the stream and what it is."""

    def __init__(self, text: str, intent: str, kind: str, history: tuple[Turn, ...] = ()) -> None:
        self.text, self.intent, self.kind, self.history = text, intent, kind, history


def make_stream(n: int, rng: random.Random) -> list[Message]:
    """`n` messages: 70 % FAQ (Zipf over intents), 15 % personal, 10 % complex, 5 % follow-ups."""
    intents = list(INTENTS)
    rng.shuffle(intents)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(intents))]
    stream: list[Message] = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.70:
            intent = rng.choices(intents, weights)[0]
            stream.append(Message(rng.choice(INTENTS[intent]), intent, "faq"))
        elif roll < 0.85:
            text = rng.choice(PERSONAL).format(
                n=rng.randint(1000, 99999), code="".join(rng.choices("ABCDEFGH23456789", k=6)),
                street=f"{rng.randint(1, 200)} {rng.choice(STREETS)}", email=f"c{i}@example.com",
                amount=rng.randint(10, 300), name=rng.choice(NAMES),
            )  # fmt: skip
            stream.append(Message(text, f"personal-{i}", "personal"))
        elif roll < 0.95:
            template = rng.choice(COMPLEX)
            p, q = rng.sample(PLANTS, 2)
            k, j = rng.randint(2, 6), rng.randint(1, 4)
            text = template.format(p=p, q=q, k=k, j=j)
            # "X or Y?" and "Y or X?" are one question: the intent names the pair sorted.
            if "{q}" in template:
                p, q = sorted((p, q))
            intent = "complex:" + template.format(p=p, q=q, k=k, j=j)
            stream.append(Message(text, intent, "complex"))
        else:
            intent = rng.choice(intents)
            history = (
                Turn(role="user", text=INTENTS[intent][0]),
                Turn(role="assistant", text=f"[{intent}] ..."),
            )
            text = rng.choice(["And on Sunday?", "How much is it?", "and for that one?", "why?"])
            stream.append(Message(text, f"followup-{i}", "followup", history))
    return stream


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
            hit = []
            for _ in range(rounds * 3):
                started = time.perf_counter()
                reply = await router.route(conv)
                hit.append(time.perf_counter() - started)
                assert reply.cached
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


# --- part 2: the stream -------------------------------------------------------------------


def responder(table: dict[str, str]):  # type: ignore[no-untyped-def]
    def answer(request: RecordedRequest) -> str:
        intent = table.get(request.question, "unknown")
        return f"[{intent}] Here is what you need to know about that, in two short sentences."

    return answer


async def run_stream(
    stream: list[Message], tmp: Path, *, all_to_claude: bool, show: bool = False
) -> dict[str, object]:
    table = {m.text: m.intent for m in stream}
    db = Database(f"sqlite:///{tmp / ('claude.db' if all_to_claude else 'stream.db')}")
    metadata.create_all(db.engine)
    clock = FakeClock()
    routing = tmp / "routing.toml"
    routing.write_text(
        '[chains]\nsimple = ["claude"]\ncomplex = ["claude"]\n[cache]\nenabled = false\n'
        if all_to_claude else "", encoding="utf-8",
    )  # fmt: skip
    with (
        FakeOpenAIServer(flavour="groq", responder=responder(table)) as groq,
        FakeOpenAIServer(flavour="ollama", responder=responder(table)) as local,
        FakeAnthropicServer(responder=responder(table)) as claude,
    ):
        settings = RouterSettings(
            groq_api_key=groq.api_key, groq_base_url=groq.url,
            anthropic_api_key=claude.api_key, anthropic_base_url=claude.url,
            local_llm_url=local.url, routing_file=routing,
        )  # fmt: skip
        async with httpx.AsyncClient() as http:
            router = build_router(settings, http=http, db=db, clock=clock)
            providers: Counter[str] = Counter()
            cost = 0.0
            hits = false_hits = personal_served = 0
            for message in stream:
                clock.advance(3.0)  # ~20 messages a minute, inside Groq's 30 RPM
                conv = Conversation(
                    system=SYSTEM, turns=[*message.history, Turn(role="user", text=message.text)],
                    channel="telegram", conversation_id="c", correlation_id="x",
                )  # fmt: skip
                reply = await router.route(conv)
                providers[reply.provider] += 1
                cost += reply.cost_usd
                if reply.cached:
                    hits += 1
                    if not reply.text.startswith(f"[{message.intent}]"):
                        false_hits += 1
                        if show:
                            print(f"  false hit: {message.text!r} got {reply.text.split(']')[0]}]")
                    if message.kind in ("personal", "followup"):
                        personal_served += 1
    db.close()
    return {"providers": providers, "cost": cost, "hits": hits, "false_hits": false_hits,
            "personal_served": personal_served}  # fmt: skip


def perfect_hits(stream: list[Message]) -> int:
    """Repeats of an already answered question that may be cached (not personal, no context)."""
    seen: set[str] = set()
    count = 0
    for message in stream:
        if message.kind in ("personal", "followup"):
            continue
        if message.intent in seen:
            count += 1
        seen.add(message.intent)
    return count


async def bench_stream(n: int, seed: int, tmp: Path, *, show: bool) -> None:
    stream = make_stream(n, random.Random(seed))
    ours = await run_stream(stream, tmp, all_to_claude=False, show=show)
    claude = await run_stream(stream, tmp, all_to_claude=True)
    kinds = Counter(m.kind for m in stream)
    perfect = perfect_hits(stream)
    hits = int(ours["hits"])  # type: ignore[call-overload]
    print()
    print(
        f"Part 2 - {n} messages (seed {seed}): "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )
    print(
        f"  cache hit rate (all messages)        {hits / n:7.1%}   perfect cache {perfect / n:7.1%}"
    )
    print(
        f"  cache hits / perfect-cache hits      {hits:5d} / {perfect:5d} = "
        f"{hits / max(perfect, 1):6.1%}   (target >= 90 %)"
    )
    print(f"  false hits (another intent's answer) {ours['false_hits']:5d}   (target 0)")
    print(
        f"  personal / follow-up answers served from the cache "
        f"{ours['personal_served']}   (target 0)"
    )
    providers: Counter[str] = ours["providers"]  # type: ignore[assignment]
    print("  replies per provider: " + ", ".join(
        f"{name} {count / n:.1%}" for name, count in providers.most_common()
    ))  # fmt: skip
    ours_cost, claude_cost = float(ours["cost"]), float(claude["cost"])  # type: ignore[arg-type]
    print(f"  baseline: every message to Claude, no cache   ${claude_cost:10.4f}")
    print(f"  onebox routing                                 ${ours_cost:10.4f}   "
          f"{claude_cost / max(ours_cost, 1e-12):6.1f}x cheaper (target >= 10x)")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--show-false-hits", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if not args.skip_overhead:
            await bench_overhead(tmp, args.rounds)
        await bench_stream(args.messages, args.seed, tmp, show=args.show_false_hits)


if __name__ == "__main__":
    anyio.run(main)
