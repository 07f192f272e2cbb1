"""Engines and sessions: one engine per database URL per process, one session per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer;
    # busy_timeout makes a second writer wait for the lock instead of failing at once.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin_immediate(conn) -> None:
    # pysqlite's own BEGIN is deferred: two writers then deadlock on upgrade. Take the write lock up front.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not the driver, own transactions so BEGIN IMMEDIATE is the one used.
        event.listen(engine, "connect", lambda dbapi_conn, _r: setattr(dbapi_conn, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: listeners build replies from objects after the transaction has committed.
    return sessionmaker(bind=engine, expire_on_commit=False)


# The unit of work open in this thread (or context), if any: a read that must not wait for the write lock this
# thread itself holds (SQLite's BEGIN IMMEDIATE) joins it, e.g. the reader's language worked out mid-transaction.
_open: ContextVar[Session | None] = ContextVar("oppbot_open_session", default=None)


def open_session() -> Session | None:
    return _open.get()


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session inside one transaction: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        token = _open.set(session)
        try:
            yield session
        finally:
            _open.reset(token)
