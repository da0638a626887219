"""`LiveFaq`: a process's copy of the FAQ entries, reloaded when the database's revision moves.

One primary-key read per message tells a running process whether the owner changed the FAQ
(`FaqStore.revision`); only then are the entries read again and handed to the listeners (the
offline answerer, the cache's anchors, the personas' prompts).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from .faqentry import StoredFaq
from .faqstore import FaqStore

log = structlog.get_logger()


#: Seconds after noticing a change before the second look for superseded answers: a routing's
#: deadline (30 s by default) and the time its answer takes to be written behind.
SETTLE_S = 40.0


class LiveFaq:
    """A process's copy of the current entries, reloaded when the store's revision moves.

    `refresh` costs one primary-key read when nothing changed; after a change it reloads the
    entries and calls every listener with them (on the refreshing thread). Safe to call from
    several threads.

    A routing that was already asking a model when the owner changed an entry writes its
    answer to the cache after the change deleted the superseded ones. So `settle_s` after
    noticing a change, `refresh` deletes the cached answers to the changed entries' questions
    once more (`FaqStore.forget_answers`), before the message it runs for is routed.

    Args:
        store: where the entries are.
        clock: a monotonic clock (seconds).
        settle_s: how long after a change the second deletion runs (at least the routing
            deadline plus the time to write an answer behind).
    """

    def __init__(
        self,
        store: FaqStore,
        *,
        clock: Callable[[], float] = time.monotonic,
        settle_s: float = SETTLE_S,
    ) -> None:
        self.store = store
        self._clock = clock
        self._settle_s = settle_s
        self._lock = threading.Lock()
        self._listeners: list[Callable[[list[StoredFaq]], None]] = []
        self._pending: list[tuple[float, list[str]]] = []
        self.revision = store.revision()
        self.entries: list[StoredFaq] = store.list()

    def subscribe(self, listener: Callable[[list[StoredFaq]], None]) -> None:
        """Call `listener` with the current entries now, and again after every change."""
        with self._lock:
            self._listeners.append(listener)
            entries = self.entries
        listener(entries)

    def refresh(self) -> bool:
        """Reload the entries when the revision changed; whether it had.

        Also runs the second deletion of superseded answers when one is due.
        """
        if self._pending:
            self._settle()
        revision = self.store.revision()
        if revision == self.revision:
            return False
        with self._lock:
            if revision == self.revision:
                return False
            entries = self.store.list()
            before = {e.id: e for e in self.entries}
            after = {e.id: e for e in entries}
            changed = [e.question for i, e in after.items() if before.get(i) != e]
            changed += [e.question for i, e in before.items() if i not in after]
            if changed:
                self._pending.append((self._clock() + self._settle_s, changed))
            self.entries, self.revision = entries, revision
            listeners = list(self._listeners)
        for listener in listeners:
            listener(entries)
        log.info("faq.reloaded", revision=revision, entries=len(entries))
        return True

    def _settle(self) -> None:
        now = self._clock()
        with self._lock:
            due = [questions for at, questions in self._pending if at <= now]
            self._pending = [(at, q) for at, q in self._pending if at > now]
        questions = [question for batch in due for question in batch]
        if questions:
            forgotten = self.store.forget_answers(questions)
            log.info("faq.settled", questions=len(questions), forgotten=forgotten)
