from __future__ import annotations

import pytest
from onebox_agent_telegram.testing._markup import html_error, markdown_v2_error
from onebox_agent_telegram.text import escape_html, escape_markdown_v2, split_text


def test_short_text_is_one_part() -> None:
    assert split_text("  hello  ") == ["hello"]
    assert split_text("   ") == []


def test_split_prefers_paragraphs() -> None:
    paragraph = ("word " * 150).strip()
    text = "\n\n".join([paragraph] * 12)
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts)
    assert len(parts) > 1
    assert all(p.endswith("word") and p.startswith("word") for p in parts)
    assert sum(p.count("word") for p in parts) == 150 * 12


def test_split_falls_back_to_sentences_then_words() -> None:
    text = "This is a sentence. " * 400
    parts = split_text(text)
    assert all(len(p) <= 4096 and p.endswith(".") for p in parts)
    words = ("abcdefg " * 1000).strip()
    parts = split_text(words)
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts) == words


def test_hard_cut_never_splits_a_joined_emoji() -> None:
    family = "👨\u200d👩\u200d👧"
    text = family * 2000
    parts = split_text(text, limit=4096)
    assert "".join(parts) == text
    assert all(len(p) <= 4096 for p in parts)
    assert all(not p.startswith("\u200d") and not p.endswith("\u200d") for p in parts)


def test_limit_counts_code_points_not_utf16() -> None:
    text = "😀" * 4096
    assert split_text(text) == [text]
    assert len(split_text(text + "😀")) == 2


def test_markdown_v2_escape_is_accepted_by_the_fake_parser() -> None:
    raw = "Price: 5.00 (incl. tax) - see [docs]! #1 > 2 = true {x} | a_b *c* ~d~ `e` \\"
    assert markdown_v2_error(raw) is not None
    assert markdown_v2_error(escape_markdown_v2(raw)) is None


def test_html_escape() -> None:
    raw = "if a < b && c > d: <script>"
    assert html_error(raw) is not None
    escaped = escape_html(raw)
    assert escaped == "if a &lt; b &amp;&amp; c &gt; d: &lt;script&gt;"
    assert html_error(escaped) is None


def test_tiny_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("hello", limit=1)
