"""forecast categories, quotas, manager adjustments and deal rooms

A deal's own forecast category (NULL: it follows the workspace's stage mapping), the mapping itself, quotas per rep
(user_id '' is the team) and period, a manager's adjusted figure beside a rep's commit, and the channel made for a
deal (/opp room) with the workspace's choice to archive it when the deal closes.

Revision ID: 20261202_forecast
Revises: 20261202_lost
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

EXACT_DECIMAL = sa.String(48).with_variant(sa.Numeric(28, 10), "postgresql")

revision = "20261202_forecast"
down_revision = "20261202_lost"
branch_labels = None
depends_on = None


def _team_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["team_id"], ["workspaces.team_id"], name=op.f(f"fk_{table}_team_id_workspaces"), ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("opportunities") as batch:
        batch.add_column(sa.Column("forecast_category", sa.String(12), nullable=True))
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("stage_categories", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("archive_rooms", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", EXACT_DECIMAL, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        _team_fk("quotas"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotas")),
        sa.UniqueConstraint("team_id", "user_id", "period_key", name=op.f("uq_quotas_team_id_user_id_period_key")),
    )
    op.create_table(
        "forecast_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("period_key", sa.String(40), nullable=False),
        sa.Column("amount", EXACT_DECIMAL, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        _team_fk("forecast_adjustments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_adjustments")),
        sa.UniqueConstraint(
            "team_id", "user_id", "period_key", name=op.f("uq_forecast_adjustments_team_id_user_id_period_key")
        ),
    )
    op.create_table(
        "deal_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        _team_fk("deal_rooms"),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_deal_rooms_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_rooms")),
        sa.UniqueConstraint("opportunity_id", name=op.f("uq_deal_rooms_opportunity_id")),
    )
    op.create_index(op.f("ix_deal_rooms_channel_id"), "deal_rooms", ["channel_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_deal_rooms_channel_id"), table_name="deal_rooms")
    op.drop_table("deal_rooms")
    op.drop_table("forecast_adjustments")
    op.drop_table("quotas")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("archive_rooms")
        batch.drop_column("stage_categories")
    with op.batch_alter_table("opportunities") as batch:
        batch.drop_column("forecast_category")
