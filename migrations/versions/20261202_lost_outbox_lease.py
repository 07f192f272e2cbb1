"""outbox lease: an event is done when its effects are, not when Redis took it

`due_at` is when the relay hands the event to the broker (again) if it is still unfinished, `finished_at` when every
effect it owes was recorded done (or refused by Slack), `parked_at` when the relay gave up re-dispatching it
(`oppbot outbox retry` resends it), `redispatches` how many leases ran out, `last_error` the worker's last failure.
Rows already dispatched before this revision were handed over under the old rule; they count as finished.

Revision ID: 20261202_lost
Revises: 20261202_pipeline
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261202_lost"
down_revision = "20261202_pipeline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("redispatches", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.String(300), nullable=True))
        batch.create_index("ix_outbox_finished_at_parked_at_id", ["finished_at", "parked_at", "id"])
    op.execute("UPDATE outbox SET finished_at = dispatched_at WHERE dispatched_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_finished_at_parked_at_id")
        batch.drop_column("last_error")
        batch.drop_column("redispatches")
        batch.drop_column("parked_at")
        batch.drop_column("finished_at")
        batch.drop_column("due_at")
