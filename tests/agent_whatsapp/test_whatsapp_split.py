"""Splitting replies at 4096 characters, at natural boundaries."""

from __future__ import annotations

import pytest
from onebox_agent_whatsapp.split import MAX_TEXT, split_text


def test_short_text_is_one_part_and_blank_is_none() -> None:
    assert split_text("Hello there") == ["Hello there"]
    assert split_text("   \n ") == []


def test_long_text_splits_at_paragraphs_within_the_limit() -> None:
    paragraph = ("word " * 700).strip()  # 3499 characters
    text = "\n\n".join([paragraph] * 3)
    parts = split_text(text)
    assert parts == [paragraph] * 3
    assert all(len(p) <= MAX_TEXT for p in parts)


def test_text_without_spaces_is_cut_hard_and_loses_nothing() -> None:
    text = "x" * 10_000
    parts = split_text(text)
    assert [len(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == text


def test_emoji_sequences_are_not_split() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    text = "a" * 9 + family + "b" * 5
    parts = split_text(text, limit=10)
    assert "".join(parts) == text
    assert all(len(p) <= 10 for p in parts)
    assert not any(p.startswith("\u200d") or p.endswith("\u200d") for p in parts)


def test_words_are_kept_whole() -> None:
    text = " ".join(f"w{i:04d}" for i in range(2000))
    parts = split_text(text)
    assert len(parts) == 3
    assert " ".join(parts) == text
    assert all(len(p) <= MAX_TEXT for p in parts)


def test_limit_must_be_sane() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("abc", limit=1)
