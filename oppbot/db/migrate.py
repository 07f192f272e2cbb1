"""Run the Alembic migrations from code: `oppbot db upgrade`, `make run` and the tests all come through here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

import migrations


def alembic_config(url: str) -> Config:
    config = Config()
    # __path__ rather than __file__: an older editable install may see the package as a namespace (no __file__).
    config.set_main_option("script_location", str(Path(next(iter(migrations.__path__)))))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    # ConfigParser interpolation: a literal % in a URL (an escaped password) must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


@lru_cache(maxsize=1)
def head_revisions() -> tuple[str, ...]:
    """The revisions `oppbot db upgrade` reaches (one, once branches are merged), read from migrations/versions."""
    return tuple(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The revisions the database is at: () when it was never migrated."""
    return tuple(MigrationContext.configure(connection).get_current_heads())


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def migrated(self) -> bool:
        return bool(self.current) and set(self.current) == set(self.heads)

    @property
    def shown(self) -> str:
        return ", ".join(self.current) or "none"


def schema_state(engine: Engine) -> SchemaState:
    """Where the database's schema is against the code's migrations. Raises the driver's error when unreachable."""
    with engine.connect() as connection:
        return SchemaState(current_revisions(connection), head_revisions())


def known_revision(revision: str) -> bool:
    """True for "head", "heads", "base" and any revision id (or unique prefix) in migrations/versions."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        script.get_revisions(revision)
    except Exception:  # alembic's ResolutionError / CommandError: "Can't locate revision…"
        return False
    return True
