"""The offline meaning model (the weights the ``wordllama`` wheel ships) and its use by the cache.

Runs the real model on a real SQLite file (and PostgreSQL when configured, through the `db`
fixture): rewordings the rules miss are reused when every slot agrees, never when a slot
differs; without the model (missing or unreadable files) the cache works on its rules alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onebox_bus import Database, downgrade, upgrade
from onebox_bus.testing import FakeClock
from onebox_router import FaqEntry, ResponseCache, namespace
from onebox_router._schema import cache as cache_table
from onebox_router.anchor import FaqAnchors, anchor_of
from onebox_router.meaning import (
    TOKENIZER,
    WEIGHTS,
    Meaning,
    VectorIndex,
    decode_vector,
    encode_vector,
    load_meaning,
    package_dir,
)
from onebox_router.paraphrase import content_words, signature
from sqlalchemy import select, text

NS = namespace("You are Casa Verde's assistant.", "v1")


@pytest.fixture(scope="module")
def meaning() -> Meaning:
    model = load_meaning()
    assert model is not None, "the wordllama wheel's weights should load offline"
    return model


def test_the_model_loads_from_the_installed_wheel_and_places_rewordings_close(
    meaning: Meaning,
) -> None:
    assert meaning.dimensions == 256
    gift = meaning.vector("do you sell gift vouchers?")
    present = meaning.vector("could I purchase a voucher as a present?")
    parking = meaning.vector("is there parking nearby?")
    assert gift is not None and present is not None and parking is not None
    assert abs(float(np.linalg.norm(gift)) - 1.0) < 1e-5
    assert meaning.cosine(gift, present) > 0.85
    assert meaning.cosine(gift, parking) < 0.5
    # Nothing but courtesy has no meaning to compare.
    assert meaning.vector("hi, thanks!") is None


def test_content_words_fold_known_words_and_drop_the_asking() -> None:
    assert content_words("olá, abrem ao sábado?") == ["open", "ao", "saturday"]
    assert content_words("is it ok to pay in notes and coins?") == ["pay", "cash"]
    assert content_words("Hi! could you tell me, please?") == []


def test_missing_or_broken_files_mean_no_model(tmp_path: Path) -> None:
    assert load_meaning(tmp_path) is None
    (tmp_path / "weights").mkdir()
    (tmp_path / "tokenizers").mkdir()
    (tmp_path / WEIGHTS).write_bytes(b"not safetensors")
    folder = package_dir()
    assert folder is not None
    (tmp_path / TOKENIZER).write_bytes((folder / TOKENIZER).read_bytes())
    assert load_meaning(tmp_path) is None


def test_vectors_survive_the_table_in_half_precision(meaning: Meaning) -> None:
    vector = meaning.vector("do you sell gift vouchers?")
    assert vector is not None
    stored = encode_vector(vector)
    assert len(stored) == 684
    back = decode_vector(stored)
    assert back is not None
    assert meaning.cosine(vector, back) > 0.999
    assert decode_vector("not base64!") is None


def test_the_vector_index_finds_grows_and_forgets() -> None:
    index = VectorIndex(2)
    for n in range(40):
        angle = n / 40
        index.add(n, np.array([np.cos(angle), np.sin(angle)], dtype=np.float32))
    assert len(index) == 40
    found = dict(index.near(np.array([1.0, 0.0], dtype=np.float32), 0.9995))
    assert set(found) == {0, 1}
    for n in range(30):
        index.remove(n)
    index.add(99, np.array([1.0, 0.0], dtype=np.float32))  # reuses room after removals
    assert {i for i, _ in index.near(np.array([1.0, 0.0], dtype=np.float32), 0.99)} == {99}
    assert len(index) == 11


def cache(db: Database, clock: FakeClock, meaning: Meaning | None) -> ResponseCache:
    return ResponseCache(db, clock=clock, ttl_s=3600.0, threshold=0.8, meaning=meaning)


def test_a_rewording_the_rules_miss_is_reused_by_meaning(
    db: Database, clock: FakeClock, meaning: Meaning
) -> None:
    plain = cache(db, clock, None)
    assert plain.store(NS, "do you sell gift vouchers?", "Yes, any amount.", provider="g", model="m")
    # Stored without the model: no vector, and the rules alone do not link the two.
    assert plain.lookup(NS, "could I purchase a voucher as a present?") is None
    plain.clear()
    with_model = cache(db, clock, meaning)
    assert with_model.store(
        NS, "do you sell gift vouchers?", "Yes, any amount.", provider="g", model="m"
    )
    hit = with_model.lookup(NS, "could I purchase a voucher as a present?")
    assert hit is not None
    assert (hit.answer, hit.match) == ("Yes, any amount.", "similar")
    assert hit.score > 0.85
    # Another process (a new cache on the same table) reads the stored vector back.
    restarted = cache(db, clock, meaning)
    again = restarted.lookup(NS, "could I purchase a voucher as a present?")
    assert again is not None
    assert again.id == hit.id
    with db.engine.connect() as conn:
        stored = conn.execute(select(cache_table.c.meaning)).scalar_one()
    assert stored is not None and decode_vector(stored) is not None


def test_a_slot_that_differs_blocks_reuse_however_close_the_meaning(
    db: Database, clock: FakeClock, meaning: Meaning
) -> None:
    store = cache(db, clock, meaning)
    store.store(NS, "do you have wifi?", "Yes, in every room.", provider="g", model="m")
    store.store(NS, "are you open on saturday?", "Yes, 10-14.", provider="g", model="m")
    store.store(NS, "do you have mats?", "Yes, free.", provider="g", model="m")
    # Close in meaning (cosine 0.85, 0.6) but a price, another day, another thing.
    assert store.lookup(NS, "is the wifi free?") is None
    assert store.lookup(NS, "are you open on sunday?") is None
    assert store.lookup(NS, "are you closed on saturday?") is None
    assert store.lookup(NS, "do you have towels?") is None
    assert store.lookup(NS, "do you not have mats?") is None


FAQ = [
    FaqEntry(question="Do you sell gift vouchers?", answer="Yes, from 10 euros, at the counter."),
    FaqEntry(question="Are you open on Saturday?", answer="Yes, 10:00-14:00."),
    FaqEntry(question="Do you have parking?", answer="There is a public car park next door."),
]


def test_a_question_maps_to_an_faq_entry_by_meaning_only_when_its_slots_allow(
    meaning: Meaning,
) -> None:
    anchors = FaqAnchors(FAQ, meaning=meaning)
    question = "could I purchase a voucher as a present?"
    sig = signature(question)
    assert anchor_of(anchors.key(sig)) is None  # the rules alone do not map it
    keyed = anchors.key(sig, question)
    assert anchor_of(keyed) is not None
    assert anchors.match_meaning(sig, question) is not None
    # "Weekend hours?" is near the Saturday entry but does not name Saturday.
    weekend = "what are the opening times at the weekend?"
    assert anchor_of(anchors.key(signature(weekend), weekend)) is None
    # Without the model, only the rules map.
    assert anchor_of(FaqAnchors(FAQ).key(sig, question)) is None


def test_the_migration_adds_the_meaning_column_and_goes_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "router_0004")
    with Database(url) as db, db.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO router_cache (key, namespace, signature, answer, provider, model,"
                " created_at, expires_at) VALUES ('k', 'n', '[[], []]', 'old', 'groq', 'm', 1, 2)"
            )
        )
    upgrade(url)
    with Database(url) as db, db.engine.connect() as conn:
        assert conn.execute(select(cache_table.c.meaning)).scalar_one() is None
    downgrade(url, "router_0004")
    with Database(url) as db, db.engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(router_cache)"))]
        assert "meaning" not in columns
        assert conn.execute(text("SELECT answer FROM router_cache")).scalar_one() == "old"
