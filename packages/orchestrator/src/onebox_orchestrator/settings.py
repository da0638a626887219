"""The orchestrator's settings: ``ONEBOX_*`` variables, read once in `main()`.

Besides what every service reads (`onebox_service.ServiceSettings`), the orchestrator reads
its concurrency cap, the processing window, the memory's size and retention, the personas,
and, in its ``routing`` section, the providers' keys, endpoints and models and the routing
file. The router is a library configured by constructor arguments: `router_settings` hands
it that section with the processing window and the FAQ file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from onebox_router import RouterSettings
from onebox_service import RoutingSettings, ServiceSettings, TelegramChatId
from pydantic import Field, model_validator

from .bursts import BurstPolicy, BurstWindow, PolicyName


class OrchestratorSettings(ServiceSettings):
    """Settings of the orchestrator (``ONEBOX_`` prefix).

    Attributes:
        port: 3003 by default.
        max_concurrency: inbound messages handled at once (``ONEBOX_MAX_CONCURRENCY``).
        deadline_seconds: the processing window from the webhook's arrival (shared with the
            router's ``ONEBOX_DEADLINE_SECONDS``).
        history_turns: how many earlier turns of a conversation the router sees.
        history_retention_days: turns older than this are deleted.
        router_calls_retention_days: the router's call records older than this are deleted
            (at least 32: a monthly budget reads this month's calls).
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
        handoff_enabled: post escalations to the operator chat and relay its replies (on by
            default; off keeps the operator chat unused and promises no person).
        operator_topics: the operator chat is a forum supergroup: each escalation opens its
            own topic (``createForumTopic``), where the conversation's posts go and where the
            operator answers without replying to a post.
        public_host: the public name(s) the dashboard is reached under through the reverse
            proxy (``ONEBOX_PUBLIC_HOST=bot.example.com``, comma-separated for several);
            besides loopback names, the only ``Host`` the dashboard answers.
        burst_policy: how a burst of messages is answered (``ONEBOX_BURST_POLICY``):
            ``decide`` (a fragment or a bare greeting waits for more, a complete question is
            answered at once, and messages that arrive before the reply is committed are
            folded into it), ``fold`` (answer at once and fold, never wait) or ``off`` (every
            message on its own); `onebox_orchestrator.bursts`.
        burst_quiet_seconds: a fragment waits this long after the burst's latest message.
        burst_max_seconds: a burst is answered at most this long after its first message.
        typing_signal: show the platform's typing signal while an answer is prepared.
        typing_after_seconds: routing time before the first typing signal (a faster answer
            sends none).
        routing: the providers and the routing file (`RoutingSettings`).
    """

    port: int = Field(default=3003, ge=1, le=65535)
    max_concurrency: int = Field(default=6, ge=1, le=512)
    deadline_seconds: float = Field(default=30.0, gt=0, le=600)
    history_turns: int = Field(default=12, ge=0, le=200)
    history_retention_days: float = Field(default=30.0, gt=0)
    router_calls_retention_days: float = Field(default=90.0, ge=32)
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
    handoff_enabled: bool = True
    operator_topics: bool = False
    public_host: str = ""
    burst_policy: PolicyName = "decide"
    burst_quiet_seconds: float = Field(default=1.5, ge=0, le=30)
    burst_max_seconds: float = Field(default=6.0, ge=0, le=60)
    typing_signal: bool = True
    typing_after_seconds: float = Field(default=0.8, ge=0, le=60)
    routing: RoutingSettings = RoutingSettings()

    @model_validator(mode="after")
    def _burst_fits(self) -> Self:
        if self.burst_quiet_seconds > self.burst_max_seconds:
            raise ValueError(
                f"ONEBOX_BURST_QUIET_SECONDS ({self.burst_quiet_seconds:g}) must not exceed "
                f"ONEBOX_BURST_MAX_SECONDS ({self.burst_max_seconds:g})"
            )
        if self.burst_policy != "off" and self.burst_max_seconds >= self.deadline_seconds:
            raise ValueError(
                f"ONEBOX_BURST_MAX_SECONDS ({self.burst_max_seconds:g}) must be under "
                f"ONEBOX_DEADLINE_SECONDS ({self.deadline_seconds:g}): a burst's answer is "
                "routed inside the processing window counted from its first message"
            )
        return self

    def burst_policy_value(self) -> BurstPolicy:
        """The burst policy these settings describe."""
        return BurstPolicy(
            name=self.burst_policy,
            window=BurstWindow(quiet_s=self.burst_quiet_seconds, max_s=self.burst_max_seconds),
        )

    def router_settings(self) -> RouterSettings:
        """What the router is built from: the routing section, the window and the FAQ file."""
        return RouterSettings(
            **self.routing.model_dump(exclude_none=True),
            deadline_seconds=self.deadline_seconds,
            faq_file=self.faq_file,
        )

    @property
    def posts_escalations(self) -> bool:
        """True when escalations are posted to a person (an operator chat, handoff on)."""
        return self.operator_chat_id is not None and self.handoff_enabled
