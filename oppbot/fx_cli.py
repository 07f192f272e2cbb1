"""`oppbot fx import <file.csv> [--team T…]`: bulk exchange rates, with a progress line and a final summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="fx_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="import rates from a CSV of date,currency,rate lines")
    imp.add_argument("file", type=Path)
    imp.add_argument("--team", help="workspace id (T…); optional when only one workspace is installed")


def _run(settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from oppbot.db.models import Workspace
    from oppbot.db.session import engine_for, session_factory, unit_of_work
    from oppbot.domain.errors import OppbotError
    from oppbot.services import fx
    from oppbot.services.context import Actor

    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        print(f"oppbot fx import: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    sessions = session_factory(engine_for(settings.database_url))
    with unit_of_work(sessions) as session:
        teams = list(session.scalars(select(Workspace.team_id)))
    team = args.team
    if team is None:
        if len(teams) != 1:
            print(
                "oppbot fx import: "
                + (
                    "no workspace is installed yet."
                    if not teams
                    else f"{len(teams)} workspaces are installed; choose one with --team ({', '.join(teams[:10])})."
                ),
                file=sys.stderr,
            )
            return 2
        team = teams[0]
    elif team not in teams:
        print(f"oppbot fx import: there is no workspace {team}.", file=sys.stderr)
        return 2

    def progress(line: int, total: int) -> None:
        print(f"\rline {line}/{total}", end="", file=sys.stderr, flush=True)

    # The console is trusted like a manager: whoever runs it already holds the database.
    actor = Actor(team_id=team, user_id="cli", is_manager=True)
    try:
        with unit_of_work(sessions) as session:
            result = fx.import_csv(session, actor, text, progress=progress)
    except OppbotError as exc:
        print(f"\noppbot fx import: {exc.message}", file=sys.stderr)
        return 2
    print("", file=sys.stderr)
    for number, message in result.errors:
        print(f"{args.file}:{number}: {message}", file=sys.stderr)
    print(result.summary)
    return 1 if result.errors and not (result.added or result.updated or result.unchanged) else 0


FX_COMMAND = ("exchange rates: `oppbot fx import rates.csv [--team T…]`", _configure, _run)
