"""trigram index on opportunities.search_text (PostgreSQL only)

`/opp search` matches every word with LIKE '%word%'; without an index PostgreSQL reads the whole workspace's deals
to count the matches (about 0.3 s at 100,000 deals). A pg_trgm GIN index serves LIKE '%…%' directly. SQLite has no
trigram index; its LIKE stays a scan (fine at the sizes SQLite is used for).

The revision id keeps the name it was first released under (bench_1), so databases that ran it upgrade on.

Revision ID: bench_1
Revises: 0001
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "bench_1"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_opportunities_search_text_trgm "
            "ON opportunities USING gin (search_text gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_opportunities_search_text_trgm")
