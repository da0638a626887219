"""The response cache on a real SQLite file: exact and paraphrase hits, misses, TTL."""

from __future__ import annotations

from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router import ResponseCache, namespace
from onebox_router._schema import cache as cache_table
from onebox_router.matching import signature
from sqlalchemy import func, select

NS = namespace("You are Casa Verde's assistant.", "simple", "v1")


def make_cache(db: Database, clock: FakeClock, **kw: float) -> ResponseCache:
    return ResponseCache(db, clock=clock, ttl_s=kw.get("ttl_s", 3600.0), threshold=0.8)


def test_exact_and_paraphrase_hits(db: Database, clock: FakeClock) -> None:
    cache = make_cache(db, clock)
    assert cache.lookup(NS, "What are your opening hours?") is None
    assert cache.store(NS, "What are your opening hours?", "9 to 19.", provider="groq", model="m")
    exact = cache.lookup(NS, "what are your OPENING hours??")
    assert exact is not None
    assert (exact.answer, exact.match) == ("9 to 19.", "exact")
    # Another wording of the same signature is an exact hit; a misspelt topic word is similar.
    assert cache.lookup(NS, "When are you open?") == exact
    assert cache.store(NS, "Do you sell gift cards?", "Yes.", provider="groq", model="m")
    similar = cache.lookup(NS, "do u selll gift cards")
    assert similar is not None
    assert similar.match == "similar"
    assert similar.answer == "Yes."
    assert (cache.stats.exact, cache.stats.similar, cache.stats.misses) == (2, 1, 1)


def test_different_questions_never_hit_each_other(db: Database, clock: FakeClock) -> None:
    cache = make_cache(db, clock)
    cache.store(NS, "Are you open on Saturday?", "Yes, 10-14.", provider="groq", model="m")
    cache.store(NS, "How do I turn notifications on?", "Settings > On.", provider="groq", model="m")
    assert cache.lookup(NS, "Are you open on Sunday?") is None
    assert cache.lookup(NS, "How do I turn notifications off?") is None
    assert cache.lookup(NS, "Do you ship abroad?") is None


def test_namespaces_are_separate(db: Database, clock: FakeClock) -> None:
    cache = make_cache(db, clock)
    cache.store(NS, "Do you sell gift cards?", "Yes.", provider="groq", model="m")
    other_persona = namespace("You are Dr. Silva Dental's assistant.", "simple", "v1")
    other_class = namespace("You are Casa Verde's assistant.", "complex", "v1")
    assert cache.lookup(other_persona, "Do you sell gift cards?") is None
    assert cache.lookup(other_class, "Do you sell gift cards?") is None


def test_answers_expire(db: Database, clock: FakeClock) -> None:
    cache = make_cache(db, clock, ttl_s=60.0)
    cache.store(NS, "Do you sell gift cards?", "Yes.", provider="groq", model="m")
    clock.advance(59)
    assert cache.lookup(NS, "Do you sell gift cards?") is not None
    assert cache.lookup(NS, "Gift cards, do you sell them?") is not None
    clock.advance(2)
    assert cache.lookup(NS, "Do you sell gift cards?") is None
    assert cache.lookup(NS, "Gift cards, do you sell them?") is None
    assert cache.purge() == 1


def test_entries_written_by_another_process_are_found(db: Database, clock: FakeClock) -> None:
    reader, writer = make_cache(db, clock), make_cache(db, clock)
    assert reader.lookup(NS, "Do you ship abroad?") is None
    writer.store(NS, "Do you ship internationally?", "EU only.", provider="groq", model="m")
    hit = reader.lookup(NS, "Do you deliver abroad?")
    assert hit is not None
    assert hit.answer == "EU only."
    writer.clear()
    assert reader.lookup(NS, "Do you deliver abroad?") is None


def test_contentless_messages_are_not_stored(db: Database, clock: FakeClock) -> None:
    cache = make_cache(db, clock)
    assert not cache.store(NS, "?? !!", "Hello!", provider="groq", model="m")
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cache_table)).scalar_one() == 0


def test_courtesy_only_messages_match_only_the_same_words(db: Database, clock: FakeClock) -> None:
    cache = make_cache(db, clock)
    assert cache.store(NS, "hi!! 😊", "Hello!", provider="groq", model="m")
    hit = cache.lookup(NS, "Hi")
    assert hit is not None
    assert hit.answer == "Hello!"
    assert cache.lookup(NS, "thanks!") is None
    assert cache.lookup(NS, "hello") is None
    assert cache.store(NS, "👍👍", "Great!", provider="groq", model="m")
    assert cache.lookup(NS, "👍👍") is not None
    assert cache.lookup(NS, "🙏") is None


def test_purge_forgets_expired_entries_in_memory_too_and_keeps_live_ones(
    db: Database, clock: FakeClock
) -> None:
    cache = make_cache(db, clock, ttl_s=60.0)
    questions = [f"Do you sell gift cards for {n} people?" for n in range(250)]
    for question in questions:
        cache.store(NS, question, "Yes.", provider="groq", model="m")
    clock.advance(30)
    cache.store(NS, "Is the terrace open on Sundays?", "Yes.", provider="groq", model="m")
    # A paraphrase lookup loads every stored entry into the in-memory match index.
    cache.lookup_similar(NS, signature("gift cards for 3 people: sold?"))
    assert cache.indexed == 251
    clock.advance(31)  # the 250 first answers have expired, the last one has not
    assert cache.purge(batch=100) == 250  # three short transactions
    assert cache.indexed == 1
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cache_table)).scalar() == 1
    assert cache.lookup(NS, "Is the terrace open on Sundays?") is not None
