"""The `oppbot` console script: serve, socket, worker, scheduler, dev, db, doctor, fx.

Every subcommand runs inside main(), which turns a misconfiguration (oppbot.startup) into one line on stderr and
exit code 2; a traceback is printed only with --verbose.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oppbot.config import Settings, get_settings
from oppbot.data_cli import EXPORT_COMMAND, IMPORT_COMMAND
from oppbot.fx_cli import FX_COMMAND
from oppbot.outbox_cli import OUTBOX_COMMAND, STATUS_COMMAND
from oppbot.startup import (
    DatabaseError,
    StartupError,
    check_env_file,
    check_redis,
    check_slack,
    database_error,
    explain,
    not_migrated,
    safe_url,
)

log = logging.getLogger("oppbot.cli")


# --- checks shared by the commands -----------------------------------------------------------------------------------


def check_database(settings: Settings) -> None:
    """The database answers (else a one-line DatabaseError); a schema behind head is said at start, not fatal:
    /healthz answers 503 until `oppbot db upgrade` has run (a deploy may migrate after starting the new code)."""
    from sqlalchemy.exc import DBAPIError

    from oppbot.db.migrate import schema_state
    from oppbot.db.session import engine_for

    try:
        state = schema_state(engine_for(settings.database_url))
    except DBAPIError as exc:
        raise database_error(exc, settings.database_url) from exc
    if not state.migrated:
        error = not_migrated(settings.database_url, state.current and state.shown, ", ".join(state.heads))
        log.warning("%s; /healthz answers 503 until then", error.line().removeprefix("oppbot: "))


@contextmanager
def _slack_quiet_while_starting() -> Iterator[None]:
    """Bolt and slack_sdk log their own ERROR line before raising (a refused token, Slack unreachable); while a
    command starts, the one line main() prints is the answer, so theirs is held back (shown with --verbose)."""
    root = logging.getLogger()
    if root.isEnabledFor(logging.DEBUG):
        yield
        return
    # A filter on the root's handlers, not a level on "slack_bolt": Bolt gives each App logger ("slack_bolt.App")
    # a level of its own, which a parent's level does not override.
    held = logging.Filter()
    held.filter = lambda record: not record.name.startswith(("slack_bolt", "slack_sdk"))
    handlers = list(root.handlers)
    for handler in handlers:
        handler.addFilter(held)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(held)


# --- commands --------------------------------------------------------------------------------------------------------


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    from oppbot.db.migrate import head_revisions, known_revision, schema_state, upgrade
    from oppbot.db.session import make_engine

    if not known_revision(args.revision):
        raise DatabaseError(
            f"there is no revision {args.revision!r} in migrations/versions",
            f"run oppbot db upgrade without a revision (head: {', '.join(head_revisions())}) or name one that exists",
        )
    engine = make_engine(settings.database_url)
    try:
        before = schema_state(engine)
        upgrade(settings.database_url, args.revision)
        after = schema_state(engine)
    except DBAPIError as exc:
        raise database_error(exc, settings.database_url) from exc
    except CommandError as exc:  # e.g. a revision behind the database's, or two heads not yet chained
        raise DatabaseError(
            f"alembic cannot upgrade to {args.revision!r}: {exc}",
            "oppbot db upgrade only moves forward; run it without a revision to reach head",
        ) from exc
    finally:
        engine.dispose()
    where = safe_url(settings.database_url)
    at = f"revision {after.shown}" + (" (head)" if after.migrated else "")
    if before.current == after.current:
        print(f"Database at {where} is at {at}; nothing to do.")
    else:
        print(f"Database at {where} upgraded from revision {before.shown} to {at}.")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    check_slack(settings, "http")
    check_database(settings)
    from oppbot.slack.server import make_server

    with _slack_quiet_while_starting():
        server = make_server(settings, args.host, args.port, threads=args.threads)
    server.run()
    return 0


def _start_background(settings: Settings) -> None:
    """`oppbot dev`'s background work in this process: worker threads, the outbox relay and the scheduler."""
    from oppbot.scheduling import build_scheduler
    from workers.run import start_in_process

    start_in_process(settings)  # sets the broker first: the scheduler's jobs enqueue onto it
    build_scheduler(background=True).start()


def _socket_handler(settings: Settings):
    """Bolt's SocketModeHandler on a slack_sdk SocketModeClient whose Web API calls honour SLACK_API_URL."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from oppbot.slack.app import build_app, web_client

    app = build_app(settings)
    # The handler's SocketModeClient asks apps.connections.open through this client: SLACK_API_URL applies.
    return SocketModeHandler(app, settings.slack_app_token, web_client=web_client(settings))


def _socket(settings: Settings, _args: argparse.Namespace) -> int:
    check_slack(settings, "socket")
    check_database(settings)
    with _slack_quiet_while_starting():
        handler = _socket_handler(settings)
        handler.connect()
    log.info("oppbot connected to Slack over Socket Mode")
    _wait_forever()
    return 0


def _dev(settings: Settings, args: argparse.Namespace) -> int:
    """Everything in one process, in the mode the settings describe: Socket Mode when SLACK_APP_TOKEN is set,
    HTTP otherwise (or with --http); background work (worker threads, relay, scheduler) runs beside it."""
    if settings.redis_url:  # optional for dev; when set it must answer
        check_redis(settings.redis_url, "dev")
    if args.http or settings.slack_mode == "http":
        check_slack(settings, "http")
        check_database(settings)
        from oppbot.slack.server import make_server

        with _slack_quiet_while_starting():
            server = make_server(settings, args.host, args.port, threads=args.threads)  # binds: a busy port fails here
        _start_background(settings)
        why = "--http" if args.http else "no SLACK_APP_TOKEN; set one for Socket Mode"
        log.info("oppbot dev: HTTP mode on port %s (%s)", args.port, why)
        server.run()
        return 0
    check_slack(settings, "socket")
    check_database(settings)
    with _slack_quiet_while_starting():
        handler = _socket_handler(settings)
        handler.connect()  # Slack refusing the app token ends here, before any background thread exists
    _start_background(settings)
    log.info("oppbot dev: Socket Mode (SLACK_APP_TOKEN is set; --http for HTTP on port %s)", args.port)
    _wait_forever()
    return 0


def _wait_forever() -> None:
    """What SocketModeHandler.start() does after connecting: the Socket Mode and background threads do the work."""
    threading.Event().wait()


def _scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    check_redis(settings.redis_url, "scheduler")
    from oppbot.scheduling import run_scheduler

    return run_scheduler(settings)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    check_slack(settings, "api")
    check_database(settings)
    check_redis(settings.redis_url, "worker")
    from workers.run import run_worker

    return run_worker(settings, processes=args.processes, threads=args.threads)


def _doctor(settings: Settings, _args: argparse.Namespace) -> int:
    from oppbot.doctor import run_doctor

    return run_doctor(settings)


# --- arguments -------------------------------------------------------------------------------------------------------


def _serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on")
    parser.add_argument("--port", type=int, default=3000, help="port to listen on")
    parser.add_argument("--threads", type=int, default=16, help="request threads")


def _dev_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set (Socket Mode otherwise)"
    )
    _serve_args(parser)


def _worker_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--processes", type=int, default=2, help="Dramatiq worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")


def _db_args(parser: argparse.ArgumentParser) -> None:
    db_sub = parser.add_subparsers(dest="db_command", metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="run Alembic migrations (to head by default) and print the revision")
    up.add_argument("revision", nargs="?", default="head", help="revision id to upgrade to")
    up.set_defaults(run=_db_upgrade)


def _not_yet(name: str):
    def run(_settings: Settings, _args: argparse.Namespace) -> int:
        print(f"`oppbot {name}` is not available yet in this version.", file=sys.stderr)
        return 2

    return run


def _needs_action(parser: argparse.ArgumentParser):
    def run(_settings: Settings, _args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return run


# Subcommands register here as their issues land: name -> (help, configure(parser), run(settings, args)).
# run() may raise oppbot.startup's errors (or let a database/Redis/port error through): main() says them in one line.
COMMANDS: dict[str, tuple[str, object, object]] = {
    "serve": ("HTTP mode: POST /slack/events, GET /healthz", _serve_args, _serve),
    "socket": ("Socket Mode (no public URL needed)", None, _socket),
    "worker": ("Dramatiq worker processes and the outbox relay (needs REDIS_URL)", _worker_args, _worker),
    "scheduler": ("the APScheduler process (needs REDIS_URL)", None, _scheduler),
    "dev": ("everything in one process for a laptop, in the mode the settings describe", _dev_args, _dev),
    "db": ("database migrations: `oppbot db upgrade [REVISION]`", _db_args, None),
    "doctor": ("check settings, database, Redis, Slack token and scopes, signing secret", None, _doctor),
}
# Commands kept in modules of their own: exchange rates, deals in and out as CSV, the outbox's operator commands.
COMMANDS["fx"] = FX_COMMAND
COMMANDS["export"] = EXPORT_COMMAND
COMMANDS["import"] = IMPORT_COMMAND
COMMANDS["status"] = STATUS_COMMAND
COMMANDS["outbox"] = OUTBOX_COMMAND


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oppbot", description="Sales opportunities in Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging, and tracebacks with errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if configure:
            configure(p)
        p.set_defaults(run=run or _needs_action(p))
    _show_defaults(parser)
    return parser


def subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and every parser below it (`oppbot db upgrade`, `oppbot fx import`, …)."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found.extend(subparsers(child))
    return found


def _show_defaults(parser: argparse.ArgumentParser) -> None:
    # Set after the subcommands configured themselves, so one added later shows its defaults too.
    for p in subparsers(parser):
        p.formatter_class = argparse.ArgumentDefaultsHelpFormatter


def _configure_logging(verbose: bool) -> None:
    from oppbot.logs import configure_logging

    configure_logging(verbose=verbose)  # one line per record: no logged value can forge another
    if not verbose:
        # Alembic's "Context impl…" lines say nothing to a user; `oppbot db upgrade` prints what it did.
        logging.getLogger("alembic").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    settings = None
    try:
        check_env_file(Path(".env"))
        settings = get_settings()
        return int(run(settings, args) or 0)
    except Exception as exc:
        error = explain(exc, settings)
        if error is None:
            raise  # a bug, not a misconfiguration: the traceback is the useful answer
        return _say(error, verbose=args.verbose)


def _say(error: StartupError, *, verbose: bool) -> int:
    if verbose:
        traceback.print_exc()
    print(error.line(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
