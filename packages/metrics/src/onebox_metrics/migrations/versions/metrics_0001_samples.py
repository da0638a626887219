"""metrics: the samples and families tables.

Revision ID: metrics_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "metrics_0001"
down_revision = None
branch_labels = ("metrics",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metrics_samples",
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("labels", sa.String(2000), nullable=False),
        sa.Column("width", sa.Double(), nullable=False),
        sa.Column("start", sa.Double(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=True),
        sa.Column("buckets", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint(
            "service", "name", "labels", "width", "start", name="pk_metrics_samples"
        ),
    )
    op.create_index("ix_metrics_samples_start", "metrics_samples", ["start"])
    op.create_index("ix_metrics_samples_name_start", "metrics_samples", ["name", "start"])
    op.create_table(
        "metrics_families",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("help", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_metrics_families"),
    )


def downgrade() -> None:
    op.drop_table("metrics_families")
    op.drop_table("metrics_samples")
