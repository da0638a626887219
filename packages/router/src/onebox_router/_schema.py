"""The router's tables (SQLAlchemy Core): the source of truth its migrations must match.

``router_calls`` — one row per provider attempt and per offline answer (cache hits are only
counted, not written, to keep the hot path read-only):

=================  ===========  ==========================================================
column             type         meaning
=================  ===========  ==========================================================
id                 integer pk
created_at         double       unix seconds (UTC) when the attempt ended
provider           varchar(50)  ``groq``, ``claude``, ``local``, ``offline``...
model              varchar(200) the model that answered (as reported), or was asked for
class              varchar(20)  ``simple``, ``complex`` or ``transcription``
input_tokens       integer      usage reported by the provider (0 on failure)
output_tokens      integer
cost_usd           double       our price table x usage (0 for free providers, failures)
latency_s          double       seconds the attempt took
outcome            varchar(20)  ``ok`` or the error kind (``timeout``, ``rate_limited``...)
correlation_id     varchar(100) the message's correlation id (nullable)
channel            varchar(50)  where the conversation happens (nullable)
=================  ===========  ==========================================================

Spend per provider today / this month:
``SELECT provider, SUM(cost_usd) FROM router_calls WHERE created_at >= :start GROUP BY provider``
(index ``ix_router_calls_created_at``). Budgets are rebuilt from the same query at start, so
they survive restarts.

``router_cache`` — the response cache: ``key`` is SHA-256 over the namespace (system prompt,
class, FAQ and configuration version) and the question's normalised signature; ``signature``
(normalised tokens, never the raw text) rebuilds the paraphrase index; rows expire at
``expires_at``; ``reuse_count`` is how many times the row was served (hits are counted in
memory and added in batches written behind the replies, so a hit itself writes nothing).

``router_faq`` — the business's FAQ entries (`onebox_router.faqstore`): the FAQ file's entries
imported on start (``source = 'file'``) and the owner's (``'owner'``). ``content_key`` is
SHA-256 over the whitespace-collapsed question and answer (one row per distinct entry); a
removed entry keeps its row with ``removed_at`` set, so the file never brings it back.
``language`` is the ISO 639-1 code the entry is written in, when declared (NULL: recognised
from its text, `onebox_router.localized`). ``router_faq_translations`` holds an entry's answer
in other languages, one row per (entry, language), ``source`` telling the FAQ file's from the
owner's.
``router_faq_state`` is one row (``id = 1``, inserted by the first change) whose
``revision`` is raised in the same transaction as every change: the cheap read that tells a
running process to reload.
"""

from __future__ import annotations

from onebox_bus import table_metadata
from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

metadata = table_metadata()

calls = Table(
    "router_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Double, nullable=False),
    Column("provider", String(50), nullable=False),
    Column("model", String(200), nullable=False),
    Column("class", String(20), nullable=False),
    Column("input_tokens", Integer, nullable=False, server_default="0"),
    Column("output_tokens", Integer, nullable=False, server_default="0"),
    Column("cost_usd", Double, nullable=False, server_default="0"),
    Column("latency_s", Double, nullable=False, server_default="0"),
    Column("outcome", String(20), nullable=False),
    Column("correlation_id", String(100), nullable=True),
    Column("channel", String(50), nullable=True),
    Index("ix_router_calls_created_at", "created_at"),
    Index("ix_router_calls_provider_created_at", "provider", "created_at"),
)

cache = Table(
    "router_cache",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("namespace", String(64), nullable=False),
    Column("signature", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("provider", String(50), nullable=False),
    Column("model", String(200), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False),
    Column("reuse_count", BigInteger, nullable=False, server_default="0"),
    Index("ix_router_cache_namespace_id", "namespace", "id"),
    Index("ix_router_cache_expires_at", "expires_at"),
    Index("ix_router_cache_reuse_count", "reuse_count"),
)

faq = Table(
    "router_faq",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("source", String(10), nullable=False),
    Column("content_key", String(64), nullable=False, unique=True),
    Column("created_at", Double, nullable=False),
    Column("removed_at", Double, nullable=True),
    Column("language", String(8), nullable=True),
)

faq_translations = Table(
    "router_faq_translations",
    metadata,
    Column("faq_id", Integer, ForeignKey("router_faq.id"), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("answer", Text, nullable=False),
    Column("source", String(10), nullable=False),
    Column("created_at", Double, nullable=False),
)

faq_state = Table(
    "router_faq_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", BigInteger, nullable=False),
)
