"""alert state per channel: each alerts channel (and the assignee's DM) remembers what it was told

Before, one row per (deal, kind) meant the first alerts channel of the day took every alert and a second channel
heard nothing. The DM state is kept under channel_id '' and also carries the deal's snooze.

Revision ID: 0002_alert_channel
Revises: bench_1
Create Date: 2026-11-29 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_alert_channel"
down_revision = "bench_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_states") as batch:
        batch.add_column(sa.Column("channel_id", sa.String(32), nullable=False, server_default=""))
        batch.drop_constraint("uq_alert_states_opportunity_id_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_alert_states_opportunity_id_kind_channel_id", ["opportunity_id", "kind", "channel_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_states") as batch:
        batch.execute("DELETE FROM alert_states WHERE channel_id <> ''")
        batch.drop_constraint("uq_alert_states_opportunity_id_kind_channel_id", type_="unique")
        batch.create_unique_constraint("uq_alert_states_opportunity_id_kind", ["opportunity_id", "kind"])
        batch.drop_column("channel_id")
