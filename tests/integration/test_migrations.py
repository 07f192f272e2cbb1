"""The Alembic migrations go up, all the way down and up again, and the schema's rules hold afterwards."""

import uuid
from datetime import UTC, datetime

import pytest
from conftest import need_service
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from oppbot.db.base import Base
from oppbot.db.migrate import downgrade, upgrade
from oppbot.db.session import make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    """An empty database that no other test has migrated: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = make_url(need_service("OPPBOT_TEST_DATABASE_URL", "PostgreSQL"))
    name = f"oppbot_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def tables(url) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_to_base_and_upgrade_again(fresh_url):
    upgrade(fresh_url)
    assert tables(fresh_url) >= set(Base.metadata.tables)
    downgrade(fresh_url, "base")
    assert tables(fresh_url) == set()
    upgrade(fresh_url)
    assert tables(fresh_url) >= set(Base.metadata.tables)


def test_the_schema_refuses_a_deal_with_both_an_individual_and_an_organization(fresh_url):
    upgrade(fresh_url)
    engine = make_engine(fresh_url)
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    deal = {
        "team": "T1",
        "number": 1,
        "title": "Both",
        "search": "both",
        "amount": 0,
        "cur": "USD",
        "stage": "lead",
        "prob": 15,
        "src": "stage",
        "by": "U1",
        "now": now,
        "version": 1,
    }
    insert = text(
        "INSERT INTO opportunities (team_id, number, title, search_text, individual_id, organization_id,"
        " amount_minor, currency, stage, probability, probability_source, created_by, created_at, updated_at,"
        " stage_entered_at, last_activity_at, version) VALUES (:team, :number, :title, :search, :ind, :org,"
        " :amount, :cur, :stage, :prob, :src, :by, :now, :now, :now, :now, :version)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (team_id, currency, reporting_currency, timezone, stage_probabilities,"
                    " stale_days, loss_reasons, next_deal_number, next_invoice_number, created_at, updated_at)"
                    " VALUES ('T1', 'USD', 'USD', 'UTC', '{}', '{}', '[]', 1, 1, :now, :now)"
                ),
                {"now": now},
            )
            org = conn.execute(
                text(
                    "INSERT INTO organizations (team_id, name, name_key, created_at)"
                    " VALUES ('T1', 'Acme', 'acme', :now) RETURNING id"
                ),
                {"now": now},
            ).scalar_one()
            person = conn.execute(
                text(
                    "INSERT INTO individuals (team_id, name, name_key, created_at)"
                    " VALUES ('T1', 'Kari', 'kari', :now) RETURNING id"
                ),
                {"now": now},
            ).scalar_one()
        with (
            pytest.raises(IntegrityError, match=r"(?i)one_customer|CHECK constraint failed"),
            engine.begin() as conn,
        ):
            conn.execute(insert, {**deal, "ind": person, "org": org})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {**deal, "ind": None, "org": None})
        # exactly one customer is accepted
        with engine.begin() as conn:
            conn.execute(insert, {**deal, "ind": None, "org": org})
            assert conn.execute(text("SELECT count(*) FROM opportunities")).scalar_one() == 1
    finally:
        engine.dispose()


def test_the_migrations_have_exactly_one_head():
    """Branches add migrations in parallel; merged, they must be chained again into one line (one head)."""
    from alembic.script import ScriptDirectory

    from oppbot.db.migrate import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"more than one Alembic head: {heads}; chain the newest migration's down_revision"


def test_every_migration_file_is_named_after_its_day_and_revision_history():
    """Files are date-prefixed (YYYYMMDD_…), as the file template makes them."""
    from pathlib import Path

    import migrations

    names = [p.name for p in Path(next(iter(migrations.__path__)), "versions").glob("*.py")]
    assert names and all(n[:8].isdigit() and n[8] == "_" for n in names), names
    assert not [n for n in names if "bench" in n]
