"""Server time of the dashboard pages with 30 days of traffic at 50K messages a day.

Seeds a migrated SQLite file (``onebox_orchestrator.dashboard.history``: raw one-minute rows
for 14 days, daily roll-ups before, and the router's call rows), builds the real orchestrator
app and times ``GET /`` through Litestar's in-process client: the first (cold) render, which reads
every slot, then the median of warm renders, which read only the open slots. The owner's
pages run on 30 days of conversations at the same rate (``conversation_history``: 1.5M
customer messages and their replies, about 4 % unanswered in 3,000 groups, 300K
conversations, some handoffs): the conversation list (plain, filtered by channel and by
state, and a text search), one thread, and the unanswered groups, each as page and JSON.
Beside them, in the same run, a trivial endpoint (``GET /static/dashboard.css``) as the
baseline.

    uv run python bench/dashboard.py [--events-per-day 50000] [--days 30] [--renders 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from litestar.testing import TestClient
from onebox_bus import Database
from onebox_bus.testing import migrated_sqlite
from onebox_orchestrator.app import create_app
from onebox_orchestrator.dashboard import seed_history
from onebox_orchestrator.dashboard.conversation_history import seed_conversations
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_router import RouterSettings, build_router

OWNER_PAGES = (
    ("GET /conversations warm", "/conversations"),
    ("GET /api/conversations warm", "/api/conversations"),
    ("  ?channel=whatsapp", "/api/conversations?channel=whatsapp"),
    ("  ?state=handoff", "/api/conversations?state=handoff"),
    ("  ?state=closed", "/api/conversations?state=closed"),
    ("  ?offset=1000", "/api/conversations?offset=1000"),
    ("  ?q=lisbon (text search)", "/api/conversations?q=lisbon"),
    ("  ?q=zebra (search, no match)", "/api/conversations?q=zebra"),
    ("GET /conversations/{id} warm", "/conversations/{newest}"),
    ("GET /unanswered warm", "/unanswered"),
    ("GET /api/unanswered warm", "/api/unanswered"),
)
TOKEN = "bench-admin-token"
UNTARGETED = {"  ?q=lisbon (text search)", "  ?q=zebra (search, no match)"}


def timed(client: TestClient, path: str) -> float:
    began = time.perf_counter()
    response = client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events-per-day", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--renders", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = migrated_sqlite(Path(folder) / "onebox.db")
        db = Database(url)
        began = time.perf_counter()
        report = seed_history(
            db.engine, until=time.time(), days=args.days, events_per_day=args.events_per_day
        )
        print(
            f"seeded {report.messages:,} messages: {report.samples:,} metric rows, "
            f"{report.calls:,} call rows in {time.perf_counter() - began:.1f} s"
        )
        began = time.perf_counter()
        talk = seed_conversations(
            db.engine, until=time.time(), days=args.days, messages_per_day=args.events_per_day
        )
        print(
            f"seeded {talk.turns:,} turns in {talk.conversations:,} conversations, "
            f"{talk.unanswered:,} unanswered in {talk.groups:,} groups "
            f"in {time.perf_counter() - began:.1f} s"
        )
        settings = OrchestratorSettings(database_url=url, host="127.0.0.1", admin_token=TOKEN)
        http = httpx.AsyncClient()
        router = build_router(RouterSettings(), http=http, db=db)
        app = create_app(settings, router=router)
        with TestClient(app, base_url="http://127.0.0.1") as client:
            cold = timed(client, "/")
            warm = statistics.median(timed(client, "/") for _ in range(args.renders))
            base = statistics.median(
                timed(client, "/static/dashboard.css") for _ in range(args.renders)
            )
            month = timed(client, "/?window=month")
            api = statistics.median(timed(client, "/api/summary") for _ in range(args.renders))
            owner = {}
            auth = {"Authorization": f"Bearer {TOKEN}"}
            newest = client.get("/api/conversations", headers=auth).json()["conversations"][0]
            for label, template in OWNER_PAGES:
                path = template.replace("{newest}", quote(newest["id"], safe=""))
                timed(client, path)  # warm
                owner[label] = statistics.median(timed(client, path) for _ in range(args.renders))
        db.close()
    print(f"trivial endpoint (baseline)   {base * 1000:8.1f} ms")
    print(f"GET / cold (first render)     {cold * 1000:8.1f} ms  {cold / base:7.1f}x baseline")
    print(f"GET / warm (median)           {warm * 1000:8.1f} ms  {warm / base:7.1f}x baseline")
    print(f"GET /?window=month warm       {month * 1000:8.1f} ms  {month / base:7.1f}x baseline")
    print(f"GET /api/summary warm         {api * 1000:8.1f} ms  {api / base:7.1f}x baseline")
    print(f"target: warm render < 200 ms: {'met' if warm < 0.2 else 'MISSED'}")
    for label, seconds in owner.items():
        mark = "" if label in UNTARGETED else ("  met" if seconds < 0.2 else "  MISSED")
        print(f"{label:<30}{seconds * 1000:8.1f} ms  {seconds / base:7.1f}x baseline{mark}")
    print("target: each owner page < 200 ms warm (the text search is reported, not targeted)")


if __name__ == "__main__":
    main()
