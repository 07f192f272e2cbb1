"""languages: the workspace's, each user's own choice and Slack locale, each channel subscription's

Issue 14. All columns are nullable and NULL means "not chosen": a workspace speaks English, a user follows their
Slack locale then the workspace, a channel follows the workspace. Existing rows need no data change.

Revision ID: 20261203_languages
Revises: 20261202_forecast
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261203_languages"
down_revision = "20261202_forecast"
branch_labels = None
depends_on = None

LANGUAGE = sa.String(8)


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("language", LANGUAGE, nullable=True))
    with op.batch_alter_table("slack_users") as batch:
        batch.add_column(sa.Column("locale", sa.String(16), nullable=True))
        batch.add_column(sa.Column("language", LANGUAGE, nullable=True))
    with op.batch_alter_table("notification_subscriptions") as batch:
        batch.add_column(sa.Column("language", LANGUAGE, nullable=True))
    with op.batch_alter_table("schedule_subscriptions") as batch:
        batch.add_column(sa.Column("language", LANGUAGE, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedule_subscriptions") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("notification_subscriptions") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("slack_users") as batch:
        batch.drop_column("language")
        batch.drop_column("locale")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("language")
