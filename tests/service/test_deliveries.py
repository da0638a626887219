from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Database
from onebox_bus.testing import FakeClock
from onebox_service import DeliveryReceipt, DeliveryStore


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[DeliveryStore]:
    db = Database(db_url)
    yield DeliveryStore(db, clock=clock)
    db.close()


def test_status_never_moves_backwards(store: DeliveryStore) -> None:
    store.record_sent(
        channel="whatsapp",
        conversation_id="c",
        correlation_id="x",
        receipt=DeliveryReceipt(platform_message_ids=("wamid.1",)),
    )
    assert store.update_status("whatsapp", "wamid.1", "read") == "updated"
    assert store.update_status("whatsapp", "wamid.1", "delivered") == "unchanged"
    assert store.update_status("whatsapp", "wamid.1", "sent") == "unchanged"
    row = store.get("whatsapp", "wamid.1")
    assert row is not None
    assert row.status == "read"
    assert store.update_status("whatsapp", "wamid.1", "failed", error="131047") == "updated"
    assert store.update_status("whatsapp", "wamid.1", "delivered") == "unchanged"
    row = store.get("whatsapp", "wamid.1")
    assert row is not None
    assert (row.status, row.error) == ("failed", "131047")


def test_unknown_platform_id(store: DeliveryStore) -> None:
    assert store.update_status("whatsapp", "wamid.nope", "delivered") == "unknown"
    with pytest.raises(ValueError, match="unknown delivery status"):
        store.update_status("whatsapp", "wamid.nope", "played")  # type: ignore[arg-type]
