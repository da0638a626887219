"""Messages through the real Telegram agent and orchestrator; ``onebox trace`` shows the steps."""

from __future__ import annotations

import itertools
from pathlib import Path

import httpx
import pytest
from onebox_agent_telegram.app import create_app as telegram_app
from onebox_agent_telegram.settings import TelegramSettings
from onebox_agent_telegram.testing import message_update, serving, until, update_bytes
from onebox_bus import Database
from onebox_orchestrator.app import create_app as orchestrator_app
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_router import RouterSettings, build_router
from onebox_service import read_journey
from sqlalchemy import text

from onebox.cli import main as onebox

pytestmark = pytest.mark.anyio

SECRET = "trace-test-secret"
WEBHOOK = "/webhook/telegram"


async def test_trace_shows_every_step_of_a_message_in_order(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    faq = tmp_path / "faq.md"
    faq.write_text("## When are you open?\nMonday to Friday, 9 to 19.\n", encoding="utf-8")
    db = Database(db_url)
    common = {"database_url": db_url, "events_flush_seconds": 0.2, "log_format": "console"}
    async with httpx.AsyncClient() as http:
        router = build_router(RouterSettings(faq_file=faq), http=http, db=db)
        agent = telegram_app(TelegramSettings(telegram_secret_token=SECRET, **common), http=http)
        orchestrator = orchestrator_app(OrchestratorSettings(**common), router=router)
        async with serving(orchestrator), serving(agent) as agent_url:
            for n in range(3):
                response = await http.post(
                    agent_url + WEBHOOK,
                    content=update_bytes(message_update(900 + n, 4242 + n, "When are you open?")),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                             "Content-Type": "application/json"},
                )  # fmt: skip
                assert response.status_code == 200

            def delivered() -> int:
                with db.engine.connect() as conn:
                    sql = "SELECT count(*) FROM service_deliveries WHERE status = 'sent'"
                    return int(conn.execute(text(sql)).scalar_one())

            await until(lambda: delivered() == 3, within=20)
        await router.aclose()
    with db.engine.connect() as conn:
        cids = [r[0] for r in conn.execute(text("SELECT correlation_id FROM service_deliveries"))]
    events = read_journey(db, cids[1])
    db.close()
    steps = [e.step for e in events]
    expected = ["webhook.received", "published", "claimed", "routed", "reply.published",
                "reply.claimed", "sent"]  # fmt: skip
    assert [s for s in steps if s in expected] == expected
    assert {e.service for e in events} >= {"telegram", "orchestrator"}
    assert all(a.at <= b.at for a, b in itertools.pairwise(events))
    [routed] = [e for e in events if e.step == "routed"]
    assert routed.service == "orchestrator"
    assert "provider" in routed.detail

    assert onebox(["--database-url", db_url, "trace", cids[1]]) == 0
    out = capsys.readouterr().out
    positions = [out.index(f" {step} ") for step in expected]
    assert positions == sorted(positions)
    assert "total" in out
    assert "When are you open" not in out  # the message text is never recorded

    assert onebox(["--database-url", db_url, "trace", "--slow", "0s"]) == 0
    listed = capsys.readouterr().out
    assert all(cid in listed for cid in cids)
    assert onebox(["--database-url", db_url, "trace", "--slow", "1h"]) == 0
    assert "no message took longer than 3600s" in capsys.readouterr().out
    assert onebox(["--database-url", db_url, "trace", "no-such-id"]) == 1
