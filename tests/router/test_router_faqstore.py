"""The FAQ store on a real SQLite file and, when configured, the real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy
from alembic import command
from onebox_bus import Database
from onebox_bus.migrate import alembic_config
from onebox_bus.testing import FakeClock, migrated_postgres
from onebox_router import (
    MAX_ANSWER_CHARS,
    CacheAdmin,
    FaqEntry,
    FaqError,
    FaqStore,
    LiveFaq,
    ResponseCache,
    StoredFaq,
    namespace,
)

NS = namespace("You are Casa Verde's assistant.", "v1")
FILE = [
    FaqEntry(question="What are your opening hours?", answer="Mon-Fri 9:00-19:00."),
    FaqEntry(question="Do you ship abroad?", answer="Yes, across the EU."),
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, db_url: str, worker_schema: Callable[[str], str]) -> str:
    if request.param == "postgresql":
        base = os.environ.get("ONEBOX_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("PostgreSQL half skipped: set ONEBOX_TEST_POSTGRES_URL to run it")
        return migrated_postgres(base, worker_schema("onebox_faq_test"))
    return db_url


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    with Database(url) as db:
        yield db


@pytest.fixture
def store(db: Database) -> FaqStore:
    return FaqStore(db, clock=FakeClock(1_000.0))


def test_migration_creates_the_tables_and_alembic_check_finds_no_difference(db_url: str) -> None:
    with Database(db_url) as db:
        names = set(sqlalchemy.inspect(db.engine).get_table_names())
        assert {"router_faq", "router_faq_state"} <= names
        assert FaqStore(db).revision() == 0
    command.check(alembic_config(db_url))


def test_add_list_get_remove_and_the_revision(store: FaqStore) -> None:
    assert store.list() == []
    first = store.revision()
    added = store.add("  Do you sell gift cards? ", "Yes, from 10 euros.\n")
    assert added == StoredFaq(
        id=added.id, question="Do you sell gift cards?", answer="Yes, from 10 euros.",
        source="owner", created_at=1_000.0,
    )  # fmt: skip
    assert store.revision() == first + 1
    assert store.list() == [added]
    assert store.get(added.id) == added
    assert store.get(added.id + 100) is None
    assert store.remove(added.id) is True
    assert store.revision() == first + 2
    assert store.list() == []
    assert store.get(added.id) is None
    assert store.remove(added.id) is False  # removed once
    assert store.remove(999_999) is False
    assert store.revision() == first + 2


def test_adding_the_same_entry_twice_keeps_one_and_adding_a_removed_one_brings_it_back(
    store: FaqStore,
) -> None:
    added = store.add("Do you sell gift cards?", "Yes.")
    revision = store.revision()
    assert store.add("do you sell gift cards?".replace("do", "Do", 1), "Yes.") == added
    assert store.add("Do you  sell gift\ncards?", " Yes.") == added  # same content, spaced
    assert store.revision() == revision
    store.remove(added.id)
    again = store.add("Do you sell gift cards?", "Yes.")
    assert (again.id, again.source) == (added.id, "owner")
    assert store.list() == [again]


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    [
        ("", "Yes.", "the question is empty"),
        ("   \n\t", "Yes.", "the question is empty"),
        ("Do you deliver?", "", "the answer is empty"),
        ("Do you deliver?", "  \n ", "the answer is empty"),
        ("Do you deliver?", "x" * (MAX_ANSWER_CHARS + 1), f"limit is {MAX_ANSWER_CHARS}"),
        ("Do you deliver?", "y" * 100_000, "100000 characters long"),
        ("q" * 501, "Yes.", "the limit is 500 characters"),
        ("Do you deliver?", "Yes\x00.", "NUL character"),
    ],
)
def test_bad_entries_are_refused_with_a_clear_message_and_nothing_is_stored(
    store: FaqStore, question: str, answer: str, message: str
) -> None:
    revision = store.revision()
    with pytest.raises(FaqError, match=message) as caught:
        store.add(question, answer)
    assert isinstance(caught.value, ValueError)
    assert store.list() == []
    assert store.revision() == revision


def test_html_and_the_longest_answer_are_stored_as_given(store: FaqStore) -> None:
    html = '<b>Yes</b> <script>alert("x")</script> & more'
    stored = store.add("Is <i>this</i> safe?", html)
    assert store.get(stored.id) == stored
    assert (stored.question, stored.answer) == ("Is <i>this</i> safe?", html)
    longest = store.add("Tell me everything", "z" * MAX_ANSWER_CHARS)
    assert len(longest.answer) == MAX_ANSWER_CHARS


def test_seed_imports_the_file_once_and_keeps_the_owners_edits(store: FaqStore) -> None:
    first = store.seed(FILE)
    assert (first.imported, first.retired) == (2, 0)
    assert [(e.question, e.source) for e in store.list()] == [
        ("What are your opening hours?", "file"),
        ("Do you ship abroad?", "file"),
    ]
    revision = store.revision()
    again = store.seed(FILE)
    assert (again.imported, again.retired) == (0, 0)
    assert store.revision() == revision  # nothing changed, nothing reloads

    owner = store.add("Do you sell gift cards?", "Yes.")
    hours = store.list()[0]
    assert store.remove(hours.id)
    store.seed(FILE)  # a restart
    assert [e.question for e in store.list()] == ["Do you ship abroad?", owner.question]

    # The file is edited: one answer changes, one entry is new; the removed one stays removed.
    edited = [
        FILE[0],
        FaqEntry(question="Do you ship abroad?", answer="Yes, worldwide."),
        FaqEntry(question="Do you have parking?", answer="Yes, behind the shop."),
    ]
    result = store.seed(edited)
    assert (result.imported, result.retired) == (2, 1)
    assert [(e.question, e.answer, e.source) for e in store.list()] == [
        ("Do you sell gift cards?", "Yes.", "owner"),
        ("Do you ship abroad?", "Yes, worldwide.", "file"),
        ("Do you have parking?", "Yes, behind the shop.", "file"),
    ]


def test_seed_skips_an_entry_the_owner_could_not_have_added(store: FaqStore) -> None:
    result = store.seed([*FILE, FaqEntry(question="Huge?", answer="w" * (MAX_ANSWER_CHARS + 1))])
    assert result.imported == 2
    assert "Huge?" not in {e.question for e in store.list()}


def test_a_change_deletes_only_the_cached_answers_it_supersedes(db: Database) -> None:
    clock = FakeClock(1_000.0)
    cache = ResponseCache(db, clock=clock, ttl_s=3600.0, threshold=0.8)
    other = namespace("You are the sales assistant.", "v1")
    for ns in (NS, other):
        cache.store(ns, "Do you deliver on Sundays?", "No idea.", provider="groq", model="m")
    cache.store(NS, "Do you deliver on Saturdays?", "Yes.", provider="groq", model="m")
    cache.store(NS, "What are your opening hours?", "9-19.", provider="groq", model="m")
    hit = cache.lookup(NS, "do you deliver on sunday")
    assert hit is not None  # the paraphrase index now holds the row
    assert hit.answer == "No idea."

    store = FaqStore(db, clock=clock, supersede_threshold=0.8)
    store.add("Do you deliver on Sundays?", "Yes, from 10:00 to 14:00.")
    assert store.superseded == 2  # both namespaces
    assert cache.lookup(NS, "Do you deliver on Sundays?") is None
    assert cache.lookup(NS, "do you deliver on sunday") is None
    assert cache.lookup(other, "Do you deliver on Sundays?") is None
    saturday = cache.lookup(NS, "Do you deliver on Saturdays?")  # a different day: kept
    assert saturday is not None
    assert saturday.answer == "Yes."
    assert cache.lookup(NS, "What are your opening hours?") is not None
    assert CacheAdmin(db, clock=clock).count() == 2

    # Removing an entry deletes what was cached from it since.
    cache.store(NS, "Do you deliver on Sundays?", "Yes, 10-14.", provider="groq", model="m")
    sunday = store.list()[0]
    assert store.remove(sunday.id)
    assert store.superseded == 1
    assert cache.lookup(NS, "Do you deliver on Sundays?") is None


def test_live_faq_reloads_only_when_another_process_changed_the_entries(url: str) -> None:
    with Database(url) as mine, Database(url) as theirs:
        live = LiveFaq(FaqStore(mine))
        seen: list[list[str]] = []
        live.subscribe(lambda entries: seen.append([e.question for e in entries]))
        assert seen == [[]]
        assert live.refresh() is False
        added = FaqStore(theirs).add("Do you sell gift cards?", "Yes.")
        assert live.refresh() is True
        assert live.refresh() is False
        assert seen == [[], ["Do you sell gift cards?"]]
        assert live.entries == [added]
        FaqStore(theirs).remove(added.id)
        assert live.refresh() is True
        assert seen[-1] == []


def test_live_faq_deletes_an_answer_written_behind_by_a_routing_that_began_before_the_change(
    db: Database,
) -> None:
    clock = FakeClock(0.0)
    cache = ResponseCache(db, clock=FakeClock(1_000.0), ttl_s=3600.0)
    live = LiveFaq(FaqStore(db), clock=clock, settle_s=40.0)
    FaqStore(db).add("Do you sell gift cards?", "Yes, from 10 euros.")
    assert live.refresh() is True
    # A routing that asked a model before the change writes its answer behind now.
    cache.store(NS, "Do you sell gift cards?", "Not sure.", provider="groq", model="m")
    cache.store(NS, "Do you ship abroad?", "Yes.", provider="groq", model="m")
    clock.advance(39.0)
    assert live.refresh() is False
    assert cache.lookup(NS, "Do you sell gift cards?") is not None  # not due yet
    clock.advance(2.0)
    assert live.refresh() is False
    assert cache.lookup(NS, "Do you sell gift cards?") is None
    assert cache.lookup(NS, "Do you ship abroad?") is not None  # not about the change
    clock.advance(100.0)
    cache.store(NS, "Do you sell gift cards?", "Yes, from 10 euros.", provider="groq", model="m")
    assert live.refresh() is False
    assert cache.lookup(NS, "Do you sell gift cards?") is not None  # done once, not forever
