"""The orchestrator's dashboard: one page and its JSON, from the shared database alone.

`dashboard_handlers` gives the routes (`routes`); `SummaryReader` reads the figures
(`summary`, over the slot store in `slots`) as a typed `Summary` (`figures`), which `page`
renders with `charts`; `conversations` and `unanswered` are the owner's view of what
customers asked and what the bot could not answer (`layout` is what they share); `access`
decides who may look; `history` seeds realistic history for tests and benchmarks.
Nothing here is needed to answer messages: the orchestrator's app
mounts it beside its own routes.
"""

from .access import Access
from .figures import Summary, WindowFigures, WorkerState
from .history import seed_history
from .routes import OwnerView, dashboard_handlers, provider_budgets, worker_health
from .summary import SummaryReader, record_process_start, window_start

__all__ = [
    "Access",
    "OwnerView",
    "Summary",
    "SummaryReader",
    "WindowFigures",
    "WorkerState",
    "dashboard_handlers",
    "provider_budgets",
    "record_process_start",
    "seed_history",
    "window_start",
    "worker_health",
]
