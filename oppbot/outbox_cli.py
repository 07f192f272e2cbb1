"""`oppbot status` and `oppbot outbox retry <id>|--parked`: see what the workers owe, resend what was parked."""

from __future__ import annotations

import argparse
import sys


def _sessions(settings):
    from oppbot.db.session import engine_for, session_factory

    return session_factory(engine_for(settings.database_url))


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _status(settings, _args: argparse.Namespace) -> int:
    from oppbot.db.session import unit_of_work
    from oppbot.services import outbox

    with unit_of_work(_sessions(settings)) as session:
        backlog = outbox.backlog(session)
        parked = outbox.parked(session, limit=20)
    print(f"outbox: {backlog.unfinished} unfinished, oldest {_age(backlog.oldest_seconds)}, {backlog.parked} parked")
    for event in parked:
        error = f" — {event.last_error}" if event.last_error else ""
        print(
            f"  parked #{event.id} {event.kind} ({event.team_id}) created {event.created_at:%Y-%m-%d %H:%M} UTC, "
            f"{event.redispatches} leases ran out{error}"
        )
    if backlog.parked:
        print("Resend with `oppbot outbox retry <id>` or `oppbot outbox retry --parked`.")
    return 1 if backlog.parked else 0


def _configure_outbox(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    retry = sub.add_parser("retry", help="resend an unfinished event (outbox id or event id), or every parked one")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("event", nargs="?", help="outbox id (as `oppbot status` shows it) or event id")
    which.add_argument("--parked", action="store_true", help="every parked event")


def _outbox(settings, args: argparse.Namespace) -> int:
    from oppbot.db.session import unit_of_work
    from oppbot.services import outbox

    with unit_of_work(_sessions(settings)) as session:
        if args.parked:
            count = outbox.retry_parked(session)
            print(f"{count} parked event(s) will be sent again at the relay's next pass (`oppbot worker`).")
            return 0
        if not outbox.retry(session, args.event):
            print(f"oppbot outbox retry: no unfinished event {args.event}.", file=sys.stderr)
            return 2
    print(f"Event {args.event} will be sent again at the relay's next pass (`oppbot worker`).")
    return 0


STATUS_COMMAND = ("background work: the outbox backlog, its oldest event and parked events", None, _status)
OUTBOX_COMMAND = ("resend outbox events: `oppbot outbox retry <id>|--parked`", _configure_outbox, _outbox)
