"""Shared fixtures: real databases made by the migrations (SQLite always, PostgreSQL when configured), actors, the
fake Slack Web API, and Dramatiq worker threads on the in-process broker. Test modules configure these (a user made
admin, a token accepted); they do not start their own."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from oppbot.db.base import Base
from oppbot.db.migrate import upgrade
from oppbot.db.session import make_engine, session_factory
from oppbot.services.context import Actor

TEAM = "T111"
OTHER_TEAM = "T222"


def services_required() -> bool:
    return os.environ.get("OPPBOT_REQUIRE_SERVICES") == "1"


def need_service(variable: str, what: str) -> str:
    """The URL in `variable`, or a skip (a failure when OPPBOT_REQUIRE_SERVICES=1)."""
    url = os.environ.get(variable)
    if url:
        return url
    message = f"{what} tests need {variable}"
    if services_required():
        pytest.fail(f"{message} (OPPBOT_REQUIRE_SERVICES=1)")
    pytest.skip(message)


# --- databases -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per run; each test gets a copy (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A private PostgreSQL database for this run, migrated once, dropped at the end."""
    base_url = make_url(need_service("OPPBOT_TEST_DATABASE_URL", "PostgreSQL"))
    if base_url.drivername == "postgresql":
        base_url = base_url.set(drivername="postgresql+psycopg")
    name = f"oppbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a down server: skip or fail by the same rule as a missing URL
        if services_required():
            pytest.fail(f"PostgreSQL at {base_url.render_as_string()} is not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = base_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(engine) -> None:
    """Empty every table: ours children first, then Bolt's OAuth stores (not in our metadata).

    DELETE rather than TRUNCATE: on a test's handful of rows it is ~50x faster (TRUNCATE makes new files for every
    table), and that per-test cost dominated the suite. Ids are not reset; no test may rely on them.
    """
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        for name in ("slack_bots", "slack_installations", "slack_oauth_states"):
            conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A clean, migrated database URL: SQLite and PostgreSQL in turn."""
    if request.param == "sqlite":
        path = tmp_path / "oppbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    _truncate_postgres(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine) -> sessionmaker[Session]:
    return session_factory(engine)


# --- actors ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def rep() -> Actor:
    return Actor(team_id=TEAM, user_id="U_REP")


@pytest.fixture
def other_rep() -> Actor:
    return Actor(team_id=TEAM, user_id="U_OTHER")


@pytest.fixture
def manager() -> Actor:
    return Actor(team_id=TEAM, user_id="U_BOSS", is_manager=True)


@pytest.fixture
def outsider() -> Actor:
    """A manager of another workspace: must see nothing of TEAM's."""
    return Actor(team_id=OTHER_TEAM, user_id="U_OUT", is_manager=True)


# --- redis -----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = need_service("OPPBOT_TEST_REDIS_URL", "Redis")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except Exception as exc:
        if services_required():
            pytest.fail(f"Redis at {url} is not reachable: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return url


# --- the fake Slack Web API and stub workers ---------------------------------------------------------------------


@pytest.fixture
def fake_slack():
    """The fake Slack Web API (tests/fakeslack) for one test, workspace TEAM; every call must have kept Slack's limits
    and the fake must not have crashed."""
    from fakeslack import FakeSlack

    with FakeSlack(team_id=TEAM) as fake:
        yield fake
    fake.assert_clean()


@pytest.fixture
def start_workers(db_url, sessions, fake_slack):
    """start_workers(threads, **broker_options) -> broker: the real broker set-up (workers/broker.py) in-process, its
    actors bound to this test's database and fake Slack, `threads` Dramatiq worker threads consuming (quick retries
    unless `broker_options` say otherwise); the workers stop after the test."""
    import dramatiq
    from integration.workers_support import runtime_for, settings_for

    from workers.broker import BrokerOptions, setup_broker

    workers: list[dramatiq.Worker] = []

    def start(threads: int = 2, **options) -> dramatiq.Broker:
        settings = settings_for(db_url, fake_slack)
        options = BrokerOptions(**{"min_backoff_ms": 100, "max_backoff_ms": 1000, **options})
        broker = setup_broker(settings, options, runtime=runtime_for(settings, sessions))
        worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=50)
        worker.start()
        workers.append(worker)
        return broker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def stub(start_workers):
    """The in-process broker with two worker threads consuming (start_workers(2))."""
    return start_workers(2)


@pytest.fixture
def app(fake_slack, sessions, db_url, monkeypatch):
    """build_app() with one bot token, signed with fakeslack's SIGNING_SECRET, its Web API calls going to fake_slack:
    tests dispatch signed requests straight into it (app.dispatch), no HTTP server in between."""
    from fakeslack.signing import SIGNING_SECRET

    from oppbot.config import get_settings
    from oppbot.slack.app import build_app

    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    settings = get_settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=db_url,
        SLACK_CLIENT_ID="",
        SLACK_CLIENT_SECRET="",
    )
    return build_app(settings, sessions=sessions)
