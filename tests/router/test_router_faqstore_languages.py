"""FAQ translations in the store, on a real SQLite file and, when configured, PostgreSQL: the
owner's (``translate``) and the file's (``[xx]`` lines, following the file at every start),
the owner's winning over the file's, and a running process reloading them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock, migrated_postgres
from onebox_router import (
    MAX_ANSWER_CHARS,
    FaqEntry,
    FaqError,
    FaqStore,
    LiveFaq,
    OfflineProvider,
    ResponseCache,
    namespace,
)

NS = namespace("You are Casa Verde's assistant.", "v1")
HOURS = "What are your opening hours?"
HOURS_EN = "Mon-Fri 9:00-19:00."
HOURS_ES = "De lunes a viernes, de 9:00 a 19:00."


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, db_url: str) -> str:
    if request.param == "postgresql":
        base = os.environ.get("ONEBOX_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("PostgreSQL half skipped: set ONEBOX_TEST_POSTGRES_URL to run it")
        return migrated_postgres(base, "onebox_faq_lang_test")
    return db_url


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    with Database(url) as db:
        yield db


@pytest.fixture
def store(db: Database) -> FaqStore:
    return FaqStore(db, clock=FakeClock(1_000.0))


def test_the_owner_translates_an_entry_and_removes_the_translation(
    store: FaqStore, db: Database
) -> None:
    entry = store.add(HOURS, HOURS_EN, language="EN")
    assert (entry.language, entry.translations) == ("en", {})
    cache = ResponseCache(db, clock=FakeClock(1_000.0), ttl_s=3600.0)
    cache.store(NS, "What are your opening hours?", "Old hours.", provider="groq", model="m")
    revision = store.revision()

    translated = store.translate(entry.id, "es", f"  {HOURS_ES}\n")
    assert translated is not None
    assert dict(translated.translations) == {"es": HOURS_ES}
    assert store.superseded == 1  # the cached answer to its question went with the change
    assert cache.lookup(NS, "What are your opening hours?") is None
    assert store.revision() == revision + 1
    assert store.list() == [translated]
    assert store.get(entry.id) == translated
    # Again in the same language: replaced, not doubled.
    store.translate(entry.id, "ES", "Abrimos de lunes a viernes.")
    [listed] = store.list()
    assert dict(listed.translations) == {"es": "Abrimos de lunes a viernes."}
    assert listed.entry().translations == {"es": "Abrimos de lunes a viernes."}

    assert store.untranslate(entry.id, "es") is True
    assert store.untranslate(entry.id, "es") is False
    assert store.get(entry.id).translations == {}  # type: ignore[union-attr]
    assert store.translate(entry.id + 100, "es", HOURS_ES) is None
    assert store.remove(entry.id)
    assert store.translate(entry.id, "es", HOURS_ES) is None  # a removed entry stays removed


@pytest.mark.parametrize(
    ("language", "answer", "message"),
    [
        ("spanish", HOURS_ES, "'spanish' is not a language code"),
        ("", HOURS_ES, "is not a language code"),
        ("es", "  ", "the translation is empty"),
        ("es", "x" * (MAX_ANSWER_CHARS + 1), f"limit is {MAX_ANSWER_CHARS}"),
    ],
)
def test_a_bad_translation_is_refused_and_nothing_changes(
    store: FaqStore, language: str, answer: str, message: str
) -> None:
    entry = store.add(HOURS, HOURS_EN)
    revision = store.revision()
    with pytest.raises(FaqError, match=message):
        store.translate(entry.id, language, answer)
    assert store.get(entry.id) == entry
    assert store.revision() == revision
    with pytest.raises(FaqError, match="not a language code"):
        store.add("Do you deliver?", "Yes.", language="english")


def test_re_adding_an_entry_with_a_language_labels_it(store: FaqStore) -> None:
    entry = store.add(HOURS, HOURS_EN)
    assert entry.language is None
    revision = store.revision()
    labelled = store.add(HOURS, HOURS_EN, language="en")
    assert (labelled.id, labelled.language) == (entry.id, "en")
    assert store.revision() == revision + 1
    assert store.add(HOURS, HOURS_EN, language="en") == labelled
    assert store.revision() == revision + 1


def test_the_files_translations_follow_the_file_and_the_owners_win(store: FaqStore) -> None:
    file = [
        FaqEntry(question=HOURS, answer=HOURS_EN, language="en", translations={"es": HOURS_ES}),
        FaqEntry(question="Do you ship abroad?", answer="Yes, across the EU."),
    ]
    first = store.seed(file)
    assert (first.imported, first.retired, first.updated) == (2, 0, 0)
    hours, ship = store.list()
    assert (hours.language, dict(hours.translations)) == ("en", {"es": HOURS_ES})
    assert ship.translations == {}
    revision = store.revision()
    assert store.seed(file) == first.__class__(imported=0, retired=0, updated=0)
    assert store.revision() == revision

    # The owner adds French and rewrites the Spanish; the file then changes its Spanish and
    # adds Portuguese: the entry keeps its id, the owner's texts stay, the file's new one comes.
    store.translate(hours.id, "fr", "Du lundi au vendredi.")
    store.translate(hours.id, "es", "Texto del dueño.")
    edited = [
        FaqEntry(question=HOURS, answer=HOURS_EN, language="en",
                 translations={"es": "Otro texto.", "pt": "De segunda a sexta."}),
        file[1],
    ]  # fmt: skip
    result = store.seed(edited)
    assert (result.imported, result.retired, result.updated) == (0, 0, 1)
    [hours_now, _] = store.list()
    assert hours_now.id == hours.id
    assert dict(hours_now.translations) == {
        "es": "Texto del dueño.", "fr": "Du lundi au vendredi.", "pt": "De segunda a sexta.",
    }  # fmt: skip

    # The file drops its translations and its language: the file's go, the owner's stay.
    again = store.seed([FaqEntry(question=HOURS, answer=HOURS_EN), file[1]])
    assert again.updated == 1
    [hours_last, _] = store.list()
    assert (hours_last.language, dict(hours_last.translations)) == (
        None, {"es": "Texto del dueño.", "fr": "Du lundi au vendredi."},
    )  # fmt: skip


def test_a_running_process_answers_from_a_new_translation(url: str) -> None:
    with Database(url) as mine, Database(url) as theirs:
        live = LiveFaq(FaqStore(mine))
        answerer = OfflineProvider([])
        live.subscribe(lambda entries: answerer.replace([e.entry() for e in entries]))
        added = FaqStore(theirs).add(HOURS, HOURS_EN)
        assert live.refresh() is True
        spanish = answerer.answer("horario?", language="es")
        assert spanish.text == f"Solo tengo esta respuesta en inglés:\n\n{HOURS_EN}"
        FaqStore(theirs).translate(added.id, "es", HOURS_ES)
        assert live.refresh() is True
        assert answerer.answer("horario?", language="es").text == HOURS_ES
        assert answerer.answer("horario?").text == HOURS_EN
