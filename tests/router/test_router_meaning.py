"""The offline meaning model (the weights the ``wordllama`` wheel ships) and its use by the cache.

Runs the real model on a real SQLite file (and PostgreSQL when configured, through the `db`
fixture): a rewording the rules miss maps to its FAQ entry by meaning and reuses that entry's
answer; a detail that differs (a slot, an added or swapped word) still blocks reuse; without
the model (missing or unreadable files) the cache works on its rules alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_router import FaqEntry, ResponseCache, namespace
from onebox_router.anchor import FaqAnchors, anchor_of
from onebox_router.meaning import (
    TOKENIZER,
    WEIGHTS,
    Meaning,
    load_meaning,
    package_dir,
)
from onebox_router.paraphrase import content_words, signature

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
    assert gift is not None
    assert present is not None
    assert parking is not None
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


def cache(db: Database, clock: FakeClock, meaning: Meaning | None) -> ResponseCache:
    return ResponseCache(db, clock=clock, ttl_s=3600.0, threshold=0.8, anchors=FAQ, meaning=meaning)


def test_a_rewording_the_rules_miss_is_reused_through_its_faq_entry(
    db: Database, clock: FakeClock, meaning: Meaning
) -> None:
    plain = cache(db, clock, None)
    assert plain.store(
        NS, "do you sell gift vouchers?", "Yes, any amount.", provider="g", model="m"
    )
    assert plain.lookup(NS, "could I purchase a voucher as a present?") is None
    with_model = cache(db, clock, meaning)
    hit = with_model.lookup(NS, "could I purchase a voucher as a present?")
    assert hit is not None
    assert hit.answer == "Yes, any amount."


def test_meaning_never_reuses_across_a_detail(
    db: Database, clock: FakeClock, meaning: Meaning
) -> None:
    store = cache(db, clock, meaning)
    for question in (
        "do you have wifi?", "are you open on saturday?", "how much is a men's haircut?",
        "what does a cut cost for short hair?",
    ):  # fmt: skip
        assert store.store(NS, question, f"reply to {question}", provider="g", model="m")
    # Close in meaning, but a price, another day, an added service, the opposite length.
    for other in (
        "is the wifi free?", "are you open on sunday?", "are you closed on saturday?",
        "how much is a men's haircut with a beard trim?", "what does a cut cost for long hair?",
    ):  # fmt: skip
        assert store.lookup(NS, other) is None, other


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
