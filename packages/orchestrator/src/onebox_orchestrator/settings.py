"""The orchestrator's settings: ``ONEBOX_*`` variables, read once in `main()`.

Besides what every service reads (`onebox_service.ServiceSettings`), the orchestrator reads
its concurrency cap, the processing window, the memory's size and retention, and the personas.
The router reads its own variables (`onebox_router.RouterSettings`).
"""

from __future__ import annotations

from pathlib import Path

from onebox_service import ServiceSettings, TelegramChatId
from pydantic import Field


class OrchestratorSettings(ServiceSettings):
    """Settings of the orchestrator (``ONEBOX_`` prefix).

    Attributes:
        port: 3003 by default.
        max_concurrency: inbound messages handled at once (``ONEBOX_MAX_CONCURRENCY``).
        deadline_seconds: the processing window from the webhook's arrival (shared with the
            router's ``ONEBOX_DEADLINE_SECONDS``).
        history_turns: how many earlier turns of a conversation the router sees.
        history_retention_days: turns older than this are deleted.
        business_name: the business the personas speak for.
        persona_telegram / persona_whatsapp: a system prompt given inline.
        persona_telegram_file / persona_whatsapp_file: a system prompt read from a file.
        faq_file: the business FAQ (shared with the router's offline answers), appended to
            every system prompt.
        log_message_text: log message and reply text at info level (off: privacy).
        idle_poll_seconds: the slowest polling interval when there is no work.
        lease_seconds: how long a claimed message is held before another worker may take it
            over after a crash (default: the processing window plus 30 s).
        business_file: the business file (TOML: hours, holidays, contact, handoff rules);
            ``docs/business.md``.
        operator_chat_id: the Telegram chat (a private chat's id, or a group's negative id)
            where a person takes over conversations.
        public_host: the public name(s) the dashboard is reached under through the reverse
            proxy (``ONEBOX_PUBLIC_HOST=bot.example.com``, comma-separated for several);
            besides loopback names, the only ``Host`` the dashboard answers.
    """

    port: int = Field(default=3003, ge=1, le=65535)
    max_concurrency: int = Field(default=6, ge=1, le=512)
    deadline_seconds: float = Field(default=30.0, gt=0, le=600)
    history_turns: int = Field(default=12, ge=0, le=200)
    history_retention_days: float = Field(default=30.0, gt=0)
    business_name: str = "our business"
    persona_telegram: str | None = None
    persona_whatsapp: str | None = None
    persona_telegram_file: Path | None = None
    persona_whatsapp_file: Path | None = None
    faq_file: Path | None = None
    log_message_text: bool = False
    idle_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    lease_seconds: float | None = Field(default=None, gt=0)
    business_file: Path | None = None
    operator_chat_id: TelegramChatId | None = None
    public_host: str = ""
