"""router: FAQ entries in several languages (``router_faq.language``, ``router_faq_translations``).

An entry may declare the language it is written in, and carry its answer in other languages
(from the FAQ file's ``[xx]`` lines or ``onebox faq add --id ID --lang xx``), so the offline
answerer replies in the customer's language when the owner wrote the answer in it.

Revision ID: router_0005_faq_translations
Revises: router_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "router_0005_faq_translations"
down_revision = "router_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("router_faq") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
    op.create_table(
        "router_faq_translations",
        sa.Column("faq_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["faq_id"], ["router_faq.id"], name="fk_router_faq_translations_faq_id_router_faq"
        ),
        sa.PrimaryKeyConstraint("faq_id", "language", name="pk_router_faq_translations"),
    )


def downgrade() -> None:
    op.drop_table("router_faq_translations")
    with op.batch_alter_table("router_faq") as batch:
        batch.drop_column("language")
