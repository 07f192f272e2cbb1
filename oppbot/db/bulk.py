"""Many rows into one table inside the caller's transaction: COPY on PostgreSQL (the import's floor is a raw COPY),
a Core executemany elsewhere. Rows are tuples in the order of `columns` (one tuple per row, no dict per row), or
dicts through `insert_rows`; ids come back in the order of the rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import JSON, Date, DateTime, TypeDecorator, func, insert, select, text
from sqlalchemy.orm import Session


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, model, rows: list[dict], *, with_ids: bool = False) -> list[int]:
    """Insert `rows` (dicts with the same keys) into `model`'s table; with `with_ids`, their new primary keys."""
    if not rows:
        return []
    columns = tuple(rows[0])
    return insert_tuples(session, model, columns, [tuple(r[c] for c in columns) for r in rows], with_ids=with_ids)


def insert_tuples(
    session: Session, model, columns: Sequence[str], rows: Sequence[tuple], *, with_ids: bool = False
) -> list[int]:
    """Insert `rows` (tuples of `columns`' values) into `model`'s table; with `with_ids`, their new primary keys in
    the order of the rows. One statement per table on SQLite (executemany), a COPY (and one nextval query for the
    ids) on PostgreSQL."""
    if not rows:
        return []
    if not _postgres(session):
        return _executemany(session, model, columns, rows, with_ids)
    ids: list[int] = []
    if with_ids:
        ids = reserve_ids(session, model, len(rows))
        columns, rows = ("id", *columns), [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)]
    copy_lines(session, model, columns, copy_text(model, columns, rows))
    return ids


def reserve_ids(session: Session, model, count: int) -> list[int]:
    """`count` new primary keys from the table's sequence (PostgreSQL). Sequences are outside transactions: the ids
    are the caller's whichever connection asked, and a rolled-back batch leaves a gap, as any rollback does."""
    conn = session.connection()
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": model.__table__.name})
    return list(conn.scalars(text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": sequence, "n": count}))


def _executemany(session: Session, model, columns: Sequence[str], rows: Sequence[tuple], with_ids: bool) -> list[int]:
    conn = session.connection()
    ids: list[int] = []
    if with_ids:
        # INSERT … RETURNING sorted by parameter order falls back to one statement per row on SQLite (no sentinel
        # column). The ids SQLite would give are the next after the largest (rowid tables, no AUTOINCREMENT), and
        # the transaction holds the database's write lock from its BEGIN IMMEDIATE: take them here, one executemany.
        start = conn.scalar(select(func.coalesce(func.max(model.id), 0)))
        ids = list(range(start + 1, start + 1 + len(rows)))
        columns, rows = ("id", *columns), [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)]
    conn.execute(insert(model), [dict(zip(columns, row, strict=True)) for row in rows])
    return ids


# --- COPY text format -------------------------------------------------------------------------------------------------
# Rows are turned into COPY's text format here, in plain Python, so that a caller can do it in one thread while
# another sends an earlier batch: psycopg's write_row would do the same per value under the GIL, interleaved with
# the network waits (and its datetime dumper costs ~3.7 µs a value; an import repeats the same few times).

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def copy_text(model, columns: Sequence[str], rows: Sequence[tuple]) -> list[str]:
    """Each row as one line of COPY text format (without its newline). Pure: no connection needed."""
    table = model.__table__
    encoders = [_encoder(table.columns[name].type) for name in columns]
    return ["\t".join([encode(value) for encode, value in zip(encoders, row, strict=True)]) for row in rows]


def copy_lines(session: Session, model, columns: Sequence[str], lines: Sequence[str]) -> None:
    """COPY lines made by `copy_text` into `model`'s table, in the session's transaction (PostgreSQL)."""
    if not lines:
        return
    driver = session.connection().connection.driver_connection
    data = ("\n".join(lines) + "\n").encode(driver.info.encoding)
    with driver.cursor().copy(f"COPY {model.__table__.name} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data)


def _encoder(column_type) -> Callable[[object], str]:
    if isinstance(column_type, JSON):
        return _json
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, DateTime | Date):
        return _iso_text({})
    return _plain


def _plain(value) -> str:
    if value is None:
        return NULL
    if value.__class__ is str:
        return value.translate(_ESCAPES)
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)  # int, Decimal


def _json(value) -> str:
    # Empty lists and dicts are most JSON cells of an import (no changes, no skipped stages): no encoder call.
    if value is None:
        return NULL
    return "[]" if value == [] else "{}" if value == {} else json.dumps(value).translate(_ESCAPES)


def _iso_text(cache: dict) -> Callable[[object], str]:
    """ISO 8601 text of dates and aware datetimes (PostgreSQL reads the offset), each distinct value once."""

    def encode(value) -> str:
        if value is None:
            return NULL
        found = cache.get(value)
        if found is None:
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise ValueError("naive datetime: oppbot stores only aware UTC datetimes")
            found = cache[value] = value.isoformat()
        return found

    return encode
