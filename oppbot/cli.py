"""The `oppbot` console script: serve, socket, worker, scheduler, dev, db."""

from __future__ import annotations

import argparse
import logging
import sys

from oppbot.config import Settings, get_settings


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from oppbot.db.migrate import upgrade

    upgrade(settings.database_url, args.revision)
    print(f"Database at {_safe_url(settings.database_url)} is at revision {args.revision}.")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _not_yet(name: str):
    def run(_settings: Settings, _args: argparse.Namespace) -> int:
        print(f"`oppbot {name}` is not available yet in this version.", file=sys.stderr)
        return 2

    return run


MISSING_CREDENTIALS = """oppbot needs Slack credentials before it can start. Missing: {missing}.

1. Create the Slack app from the manifest: https://api.slack.com/apps -> Create New App -> From an app manifest,
   paste manifest.yml from this repository (for Socket Mode, set settings.socket_mode_enabled: true).
2. Install it to your workspace, then put these in the environment or in a .env file here:
     SLACK_BOT_TOKEN=xoxb-...        (OAuth & Permissions -> Bot User OAuth Token)
     SLACK_SIGNING_SECRET=...        (Basic Information -> App Credentials)
     SLACK_APP_TOKEN=xapp-...        (Basic Information -> App-Level Tokens, scope connections:write;
                                      needed for Socket Mode: `oppbot socket` and `oppbot dev`)
3. Run it again. See README.md for every variable."""


def require(settings: Settings, *names: str) -> bool:
    """True when every named setting is present; otherwise print what to do and return False."""
    missing = [name for name in names if not getattr(settings, name)]
    if missing and not (settings.oauth_enabled and set(missing) <= {"slack_bot_token"}):
        print(MISSING_CREDENTIALS.format(missing=", ".join(n.upper() for n in missing)), file=sys.stderr)
        return False
    return True


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    if not require(settings, "slack_bot_token", "slack_signing_secret"):
        return 2
    from oppbot.slack.server import serve

    serve(settings, args.host, args.port, threads=args.threads)
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
    if not require(settings, "slack_bot_token", "slack_app_token"):
        return 2
    logging.getLogger(__name__).info("oppbot connecting to Slack over Socket Mode")
    _socket_handler(settings).start()
    return 0


def _dev(settings: Settings, args: argparse.Namespace) -> int:
    """Everything in one process: Socket Mode by default, HTTP with --http; background work via the hook."""
    if args.http:
        if not require(settings, "slack_bot_token", "slack_signing_secret"):
            return 2
        _start_background(settings)
        from oppbot.slack.server import serve

        serve(settings, args.host, args.port, threads=args.threads)
        return 0
    if not require(settings, "slack_bot_token", "slack_app_token"):
        return 2
    _start_background(settings)
    _socket_handler(settings).start()
    return 0


def _dev_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    _serve_args(parser)


def _serve_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=16, help="request threads")


def _scheduler(settings: Settings, _args: argparse.Namespace) -> int:
    from oppbot.scheduling import run_scheduler

    return run_scheduler(settings)


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from workers.run import run_worker

    return run_worker(settings, processes=args.processes, threads=args.threads)


def _worker_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--processes", type=int, default=2, help="Dramatiq worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")


# Subcommands register here as their issues land: name -> (help, configure(parser), run(settings, args)).
COMMANDS: dict[str, tuple[str, object, object]] = {
    "serve": ("HTTP mode: POST /slack/events, GET /healthz", _serve_args, _serve),
    "socket": ("Socket Mode (no public URL needed)", None, _socket),
    "worker": ("Dramatiq worker processes and the outbox relay (needs REDIS_URL)", _worker_args, _worker),
    "scheduler": ("the APScheduler process", None, _scheduler),
    "dev": ("everything in one process for a laptop (Socket Mode; --http for HTTP)", _dev_args, _dev),
}
from oppbot.fx_cli import FX_COMMAND  # noqa: E402  (the forecast engineer's `oppbot fx import`)

COMMANDS["fx"] = FX_COMMAND
from oppbot.data_cli import EXPORT_COMMAND, IMPORT_COMMAND  # noqa: E402  (issue 15: deals in and out as CSV)

COMMANDS["export"] = EXPORT_COMMAND
COMMANDS["import"] = IMPORT_COMMAND


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oppbot", description="Sales opportunities in Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if configure:
            configure(p)
        p.set_defaults(run=run)
    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="run Alembic migrations to head")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(run=_db_upgrade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        settings = get_settings()
    except Exception as exc:  # pydantic's ValidationError: say which variable is wrong, not a traceback.
        print(f"oppbot: invalid configuration: {exc}", file=sys.stderr)
        return 2
    return int(run(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
