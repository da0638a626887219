"""The idle timer: a handoff nobody answered for ``idle_minutes`` goes back to the bot on time.

Without this worker a handoff would only be closed when its customer writes again (the
handler resumes an idle handoff before answering). `IdleResumer` looks at the open handoffs
every `every` seconds and closes each one idle by the desk's clock (`Handoff.idle`; never one
with the bot turned off), saying so in the operator chat, in one unit of work per handoff.
Closing is conditional on the row still being open and the notice is deduplicated per
handoff, so the handler, a second orchestrator or a repeated round can race it harmlessly:
one close, one notice.
"""

from __future__ import annotations

import time
from functools import partial

import anyio
import structlog
from onebox_bus import BusError
from sqlalchemy.engine import Connection

from .desk import HandoffDesk
from .handoffs import Handoff

log = structlog.get_logger("onebox.orchestrator.idle")

IDLE_EVERY = 5.0
"""Seconds between two looks at the open handoffs (a quarter of ``idle_minutes`` if shorter);
well inside the kit's ``worker_stall_seconds``, so /health sees the loop alive."""


class IdleResumer:
    """A lifespan worker that resumes idle handoffs (see the module docstring).

    Args:
        desk: the handoff desk (its clock and ``idle_seconds`` decide what is idle).
        every: seconds between two looks at the open handoffs.
    """

    name = "handoff-idle"

    def __init__(self, desk: HandoffDesk, *, every: float = IDLE_EVERY) -> None:
        self.desk = desk
        self.every = every
        self.running = False
        self.last_loop_at = time.monotonic()
        self._stop = anyio.Event()

    def seconds_since_loop(self) -> float:
        """How long ago the loop last went round."""
        return time.monotonic() - self.last_loop_at

    def stop(self) -> None:
        """Ask `run()` to return."""
        self._stop.set()

    async def run(self) -> None:
        """Resume idle handoffs now and then every `every` seconds until `stop()`."""
        self.running = True
        try:
            while not self._stop.is_set():
                self.last_loop_at = time.monotonic()
                try:
                    await self.resume_idle()
                except BusError as exc:
                    log.warning("handoff.idle_sweep_failed", error=str(exc))
                with anyio.move_on_after(self.every):
                    await self._stop.wait()
        finally:
            self.running = False

    async def resume_idle(self) -> list[int]:
        """Close every idle open handoff and tell the operator chat; the ids closed."""
        desk = self.desk
        now = desk.clock()
        open_now = await desk.bus.run_async(desk.store.open_handoffs)
        closed: list[int] = []
        for handoff in open_now:
            if not handoff.idle(now, idle_seconds=desk.idle_seconds):
                continue
            if await desk.bus.db.unit(partial(_resume, desk, handoff)):
                closed.append(handoff.id)
                log.info("handoff.resumed", handoff_id=handoff.id, by="idle")
        return closed


def _resume(desk: HandoffDesk, handoff: Handoff, conn: Connection) -> bool:
    return desk.resume(conn, handoff=handoff)
