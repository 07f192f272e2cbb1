"""Alembic migrations: env.py and versions/ (date-prefixed)."""
