"""Many rows into one table inside the caller's transaction: COPY on PostgreSQL (the import's floor is a raw COPY),
a Core executemany elsewhere. Rows are dicts of column values; ids come back in the order of the rows."""

from __future__ import annotations

import json

from sqlalchemy import insert, text
from sqlalchemy.orm import Session


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, model, rows: list[dict], *, with_ids: bool = False) -> list[int]:
    """Insert `rows` into `model`'s table; with `with_ids`, their new primary keys in the same order."""
    if not rows:
        return []
    table = model.__table__
    if not _postgres(session):
        if with_ids:
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)
            return list(session.connection().scalars(statement, rows).all())
        session.connection().execute(insert(model), rows)
        return []
    conn = session.connection()
    ids: list[int] = []
    if with_ids:
        sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        ids = list(
            conn.scalars(text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": sequence, "n": len(rows)})
        )
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    columns = [c for c in table.columns if c.name in rows[0]]
    json_columns = {c.name for c in columns if c.type.__class__.__name__ == "JSON"}
    names = [c.name for c in columns]
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(json.dumps(row[n]) if n in json_columns else row[n] for n in names))
    return ids
