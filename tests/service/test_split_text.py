"""The kit's splitter, as both channels use it: boundaries, clusters, nothing lost."""

from __future__ import annotations

import pytest
from onebox_service import split_text
from onebox_service.text import MIN_LIMIT


def test_a_part_ends_at_the_last_sentence_end_that_fits() -> None:
    text = "Is it open? Yes! It opens at nine. Bring cash."
    assert split_text(text, limit=40) == ["Is it open? Yes! It opens at nine.", "Bring cash."]


def test_a_line_break_wins_over_a_later_sentence_end() -> None:
    text = "Opening hours:\nMon-Fri nine to five. Sat ten to two."
    parts = split_text(text, limit=30)
    assert parts == ["Opening hours:", "Mon-Fri nine to five.", "Sat ten to two."]


@pytest.mark.parametrize(
    "cluster",
    [
        "\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone
        "e\u0301",  # e + combining acute accent
        "\u2764\ufe0f",  # heart + emoji presentation selector
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # flag tags
    ],
)
def test_a_hard_cut_keeps_a_cluster_whole(cluster: str) -> None:
    text = "x" * 9 + cluster + "y" * 20
    parts = split_text(text, limit=10)
    assert "".join(parts) == text
    assert any(cluster in part for part in parts)
    assert all(len(part) <= 10 for part in parts)


def test_a_limit_below_the_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("hello", limit=MIN_LIMIT - 1)
    assert split_text("hello", limit=MIN_LIMIT) == ["hello"]
