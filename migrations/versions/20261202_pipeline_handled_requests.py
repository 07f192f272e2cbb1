"""handled requests: what Slack delivered is acted on once, however often it arrives

Slack retries events, proxies and clients resend commands and submissions, and a signed request can be replayed
inside its five-minute window. Each request's key (event_id; team, user, action_ts and action_id; a hash of a
command's body; a view's id with a hash of its values) is inserted in the same transaction as the change it makes,
so a second delivery finds the key and does nothing. Rows older than a day are purged (services/once.py).

Revision ID: 20261202_pipeline
Revises: 0002_alert_channel
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261202_pipeline"
down_revision = "0002_alert_channel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_handled_requests")),
    )
    op.create_index(op.f("ix_handled_requests_handled_at"), "handled_requests", ["handled_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_handled_requests_handled_at"), table_name="handled_requests")
    op.drop_table("handled_requests")
