"""`TelegramChannel`: one reply delivered through ``sendMessage`` under the Bot API's rules.

A reply longer than 4096 characters is split (paragraph > line > sentence > word) and the
parts are sent in order, each paced like a message of its own. A reply carrying a photo
(``meta["telegram_photo"]``: an operator's photo, sent again by its ``file_id``) goes with
``sendPhoto``, its text as the caption; a caption longer than Telegram's 1024 characters is
cut at a natural boundary and the rest follows as text messages. Plain text by default; with a
parse mode each part is escaped, and a 400 "can't parse entities" resends it once as plain
text. A group upgraded to a supergroup is followed (``migrate_to_chat_id``) and remembered.
Bot API errors become the service kit's delivery errors:

- 429 -> `RateLimited` with exactly ``parameters.retry_after``;
- 403 (blocked, deactivated, kicked) -> the chat is marked blocked, `PermanentDeliveryError`;
- 400 (chat not found, ...) -> `PermanentDeliveryError`;
- 5xx, timeouts, connection errors -> `TransientDeliveryError` (retried with backoff);
- 401/404 (bad token) -> `ChannelConfigError`.

A post asking for its own forum topic (``meta["forum_topic"]``) opens it first and records its
id (`topics`) before the post is sent, so a retry posts into the same topic. When a later
part fails, the parts already accepted are remembered in memory, so the retry sends only the
rest (a crash in between resends them: the same one-HTTP-call window as a
single message, widened to the parts of one reply).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING

import structlog
from onebox_bus.contracts import FORUM_TOPIC, TELEGRAM_PHOTO, OutboundMessage
from onebox_service import (
    ChannelConfigError,
    DeliveryReceipt,
    Pacer,
    PacingLimits,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
    pace,
)

from .errors import (
    TelegramAPIError,
    TelegramEntityParseError,
    TelegramForbidden,
    TelegramMigrated,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorized,
)
from .text import MAX_TEXT, ParseMode, format_text, split_caption, split_text
from .topics import post_key

if TYPE_CHECKING:
    from .api import TelegramBotAPI
    from .chats import ChatStore
    from .topics import TopicStore

log = structlog.get_logger("onebox.telegram.channel")

TELEGRAM_LIMITS = PacingLimits(per_key_interval=1.0, group_per_minute=20, global_per_second=30)
"""Telegram's send limits: ~1 message/s per chat, 20/min per group, ~30/s for the bot."""


def chat_group(chat_id: str) -> str | None:
    """The pacing group of a chat: groups, supergroups and channels have negative ids."""
    return chat_id if chat_id.startswith("-") else None


def reply_group(reply: OutboundMessage) -> str | None:
    """The sender's ``group_of``: the reply's chat when it is a group."""
    return chat_group(reply.conversation_id)


class TelegramChannel:
    """Delivers `OutboundMessage`s to Telegram (satisfies `onebox_service.Channel`).

    Args:
        api: the Bot API client.
        pacer: the sender's pacer; extra parts of a split reply are paced through it.
        chats: where blocked and migrated chats are remembered (None: not remembered).
        parse_mode: None for plain text, or ``MarkdownV2`` / ``HTML``.
        part_limit: longest part, in code points (Telegram's limit is 4096).
        topics: where the forum topics opened for posts are recorded (None: in memory only).
    """

    name = "telegram"

    def __init__(
        self,
        api: TelegramBotAPI,
        *,
        pacer: Pacer | None = None,
        chats: ChatStore | None = None,
        parse_mode: ParseMode | None = None,
        part_limit: int = MAX_TEXT,
        topics: TopicStore | None = None,
    ) -> None:
        self.api = api
        self.pacer = pacer
        self.chats = chats
        self.topics = topics
        self._topics: OrderedDict[str, int] = OrderedDict()
        self.parse_mode = parse_mode
        self.part_limit = part_limit
        self._progress: OrderedDict[str, list[str]] = OrderedDict()

    async def send(self, reply: OutboundMessage) -> DeliveryReceipt:
        """Send every part of `reply`; the receipt lists one message id per part."""
        chat_id = reply.conversation_id
        if self.chats is not None:
            state = await self.chats.lookup(chat_id)
            if state is not None and state.status == "blocked":
                raise PermanentDeliveryError(f"chat is blocked: {state.reason or 'blocked'}")
            if state is not None and state.status == "migrated" and state.migrated_to:
                chat_id = state.migrated_to
        photo = reply.meta.get(TELEGRAM_PHOTO) or None
        if photo is not None:
            parts = split_caption(reply.text, limit=self.part_limit) or [""]
        else:
            parts = split_text(reply.text, limit=self.part_limit)
        if not parts:
            raise PermanentDeliveryError("reply text is empty")
        progress_key = _progress_key(reply)
        sent = self._progress.setdefault(progress_key, [])
        thread = reply.meta.get("message_thread_id")
        if not thread and not sent and (topic := reply.meta.get(FORUM_TOPIC)):
            thread = str(await self._topic_for(chat_id, reply, topic))
        for index in range(len(sent), len(parts)):
            if index > 0 and self.pacer is not None:
                await pace(
                    self.pacer, reply.conversation_id, group=chat_group(reply.conversation_id)
                )
            reply_to = reply.reply_to if index == 0 else None
            chat_id, message_id = await self._send_part(
                chat_id,
                parts[index],
                reply_to=int(reply_to) if reply_to and reply_to.isdigit() else None,
                thread=int(thread) if thread and thread.lstrip("-").isdigit() else None,
                original=reply.conversation_id,
                photo=photo if index == 0 else None,
            )
            sent.append(message_id)
            self._progress.move_to_end(progress_key)
            while len(self._progress) > 10_000:
                self._progress.popitem(last=False)
        ids = tuple(self._progress.pop(progress_key, sent))
        return DeliveryReceipt(platform_message_ids=ids)

    async def _send_part(
        self,
        chat_id: str,
        text: str,
        *,
        reply_to: int | None,
        thread: int | None,
        original: str,
        photo: str | None = None,
    ) -> tuple[str, str]:
        parse_mode = self.parse_mode
        migrated = False
        while True:
            try:
                if photo is not None:
                    message = await self.api.send_photo(
                        chat_id,
                        photo,
                        caption=format_text(text, parse_mode) if text else None,
                        parse_mode=parse_mode,
                        reply_to_message_id=reply_to,
                        message_thread_id=thread,
                    )
                else:
                    message = await self.api.send_message(
                        chat_id,
                        format_text(text, parse_mode),
                        parse_mode=parse_mode,
                        reply_to_message_id=reply_to,
                        message_thread_id=thread,
                    )
                return chat_id, str(message.get("message_id", ""))
            except TelegramEntityParseError:
                if parse_mode is None:
                    raise PermanentDeliveryError("Bad Request: can't parse entities") from None
                log.warning("telegram.parse_error_plain_resend", parse_mode=parse_mode)
                parse_mode = None
            except TelegramMigrated as exc:
                if migrated:
                    raise PermanentDeliveryError("chat migrated twice in one send") from None
                migrated = True
                new_id = str(exc.migrate_to_chat_id)
                log.info("telegram.chat_migrated")
                if self.chats is not None:
                    await self.chats.mark_async(original, "migrated", migrated_to=new_id)
                chat_id = new_id
            except TelegramRetryAfter as exc:
                raise RateLimited(exc.retry_after, reason="telegram 429") from None
            except TelegramForbidden as exc:
                if self.chats is not None:
                    await self.chats.mark_async(original, "blocked", reason=exc.description)
                raise PermanentDeliveryError(exc.description) from None
            except TelegramUnauthorized as exc:
                raise ChannelConfigError(
                    f"the Bot API refused the token ({exc.status_code}): check "
                    "ONEBOX_TELEGRAM_BOT_TOKEN"
                ) from None
            except (TelegramServerError, TelegramNetworkError) as exc:
                raise TransientDeliveryError(str(exc)[:300]) from None
            except TelegramAPIError as exc:
                raise PermanentDeliveryError(exc.description) from None

    async def _topic_for(self, chat_id: str, reply: OutboundMessage, name: str) -> int:
        """The topic the post `reply` asks for: the one it opened before, else a new one,
        recorded before the post is sent (`topics`)."""
        key = post_key(chat_id, reply.correlation_id, name)
        known = self._topics.get(key)
        if known is None and self.topics is not None:
            store = self.topics
            known = await store.db.run(lambda: store.lookup(key))
        if known is not None:
            return known
        thread = await self._create_topic(chat_id, name)
        self._topics[key] = thread
        while len(self._topics) > 10_000:
            self._topics.popitem(last=False)
        if self.topics is not None:
            store = self.topics
            await store.db.run(lambda: store.remember(key, chat_id=chat_id, thread_id=thread))
        return thread

    async def _create_topic(self, chat_id: str, name: str) -> int:
        """Open the forum topic a post asks for (``meta["forum_topic"]``); its thread id."""
        try:
            return await self.api.create_forum_topic(chat_id, name)
        except TelegramRetryAfter as exc:
            raise RateLimited(exc.retry_after, reason="telegram 429") from None
        except (TelegramServerError, TelegramNetworkError) as exc:
            raise TransientDeliveryError(str(exc)[:300]) from None
        except TelegramAPIError as exc:
            raise PermanentDeliveryError(f"createForumTopic: {exc.description}") from None

    async def show_typing(self, signal: OutboundMessage) -> bool:
        """Show "typing..." in the chat (``sendChatAction``; `onebox_service.ShowsTyping`).

        Best effort: errors are logged and answered False, never raised or retried.
        """
        thread = signal.meta.get("message_thread_id")
        try:
            await self.api.send_chat_action(
                signal.conversation_id,
                "typing",
                message_thread_id=int(thread) if thread and thread.lstrip("-").isdigit() else None,
            )
        except (TelegramAPIError, TelegramNetworkError) as exc:
            log.info("telegram.chat_action_failed", error=type(exc).__name__)
            return False
        return True


def _progress_key(reply: OutboundMessage) -> str:
    digest = hashlib.blake2b(reply.text.encode(), digest_size=8).hexdigest()
    return f"{reply.conversation_id}:{reply.correlation_id}:{digest}"
