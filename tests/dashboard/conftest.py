"""Fixtures of the dashboard's tests: a migrated SQLite file per test and the real app."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from onebox_bus import Bus, Database
from onebox_orchestrator.app import create_app
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_router import RouterSettings, build_router

TOKEN = "dashboard-admin-token"
FAQ = "Q: What are your opening hours?\nA: We are open Monday to Friday, 9:00 to 19:00.\n"


@pytest.fixture
def bus(db_url: str) -> Any:
    with Bus.from_url(db_url) as bus:
        yield bus


@pytest.fixture
async def make_app(db_url: str, tmp_path: Path) -> AsyncIterator[Callable[..., Litestar]]:
    """Build the orchestrator app (offline router) with settings overrides."""
    faq = tmp_path / "faq.md"
    faq.write_text(FAQ)
    db = Database(db_url)
    async with httpx.AsyncClient() as http:
        router = build_router(RouterSettings(faq_file=faq), http=http, db=db)

        def make(**overrides: Any) -> Litestar:
            options: dict[str, Any] = {
                "database_url": db_url,
                "admin_token": TOKEN,
                "deadline_seconds": 5.0,
                "burst_max_seconds": 4.0,  # a burst is answered inside the 5 s window
                "idle_poll_seconds": 0.05,
                "metrics_flush_seconds": 0.2,
                **overrides,
            }
            return create_app(OrchestratorSettings(**options), router=router, clock=time.time)

        yield make
        await router.aclose()
    db.close()
