"""`oppbot export --team T [filters] > deals.csv` and `oppbot import deals.csv --team T [--map …] [--dry-run]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oppbot.domain.dealcsv import MAP_NAMES


def _team(settings, team: str | None, command: str) -> str | None:
    """The workspace named by --team, or the only one installed; None after saying why on stderr."""
    from sqlalchemy import select

    from oppbot.db.models import Workspace
    from oppbot.db.session import engine_for, session_factory, unit_of_work

    with unit_of_work(session_factory(engine_for(settings.database_url))) as session:
        teams = list(session.scalars(select(Workspace.team_id)))
    if team is None and len(teams) == 1:
        return teams[0]
    if team is None:
        found = "no workspace is installed yet" if not teams else f"{len(teams)} workspaces are installed"
        print(f"oppbot {command}: {found}; name one with --team ({', '.join(teams[:10])}).", file=sys.stderr)
        return None
    if team not in teams:
        print(f"oppbot {command}: there is no workspace {team}.", file=sys.stderr)
        return None
    return team


def _export_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--team", help="workspace id (T…); optional when only one workspace is installed")
    parser.add_argument(
        "filters",
        nargs="*",
        help="the same filters as /opp list: a stage, unassigned, overdue, stale, closing <period>",
    )
    parser.add_argument("--output", "-o", type=Path, help="write to this file instead of standard output")


def _export(settings, args: argparse.Namespace) -> int:
    from oppbot.db.base import utcnow
    from oppbot.db.session import engine_for, session_factory, unit_of_work
    from oppbot.domain.errors import OppbotError
    from oppbot.services import deal_export, workspaces
    from oppbot.services.context import Actor
    from oppbot.slack.parsing import parse_list

    team = _team(settings, args.team, "export")
    if team is None:
        return 2
    actor = Actor(team_id=team, user_id="cli", is_manager=True)  # the console holds the database: a manager
    sessions = session_factory(engine_for(settings.database_url))
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        with unit_of_work(sessions) as session:
            today = workspaces.load_rules(session, team).today(utcnow())
            query = parse_list(" ".join(args.filters), today)
            rows = deal_export.export_rows(
                session, actor, query, progress=lambda n: print(f"\r{n:,} deals", end="", file=sys.stderr)
            )
            count = deal_export.write_csv(rows, out)
    except OppbotError as exc:
        print(f"oppbot export: {exc.message}", file=sys.stderr)
        return 2
    finally:
        if args.output:
            out.close()
        else:
            out.flush()
    print(f"\nExported {count:,} deals.", file=sys.stderr)
    return 0


def _import_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)
    parser.add_argument("--team", help="workspace id (T…); optional when only one workspace is installed")
    parser.add_argument("--map", choices=MAP_NAMES, default="auto", help="whose export the file is (default: guess)")
    parser.add_argument("--dry-run", action="store_true", help="say what would happen; write nothing")
    parser.add_argument("--encoding", default="utf-8", help="the file's text encoding (default UTF-8)")


def _import(settings, args: argparse.Namespace) -> int:
    from oppbot.db.session import engine_for, session_factory
    from oppbot.domain.errors import OppbotError
    from oppbot.services import deal_import
    from oppbot.services.context import Actor

    if not args.file.is_file():
        print(f"oppbot import: cannot read {args.file}: no such file.", file=sys.stderr)
        return 2
    team = _team(settings, args.team, "import")
    if team is None:
        return 2
    actor = Actor(team_id=team, user_id="cli", is_manager=True)
    sessions = session_factory(engine_for(settings.database_url))

    def progress(rows: int, report: deal_import.ImportReport) -> None:
        print(f"\r{rows:,} rows: {report.created:,} new, {report.updated:,} changed", end="", file=sys.stderr)

    run = deal_import.preview if args.dry_run else deal_import.run_import
    try:
        report = run(
            sessions,
            actor,
            lambda: open(args.file, "rb"),  # noqa: SIM115  (the reader owns and closes it)
            map_name=args.map,
            encoding=args.encoding,
            progress=progress,
        )
    except OppbotError as exc:
        print(f"\noppbot import: {exc.message}", file=sys.stderr)
        return 2
    print("", file=sys.stderr)
    for problem in report.bad:
        print(f"{args.file}:{problem.line}: {problem.reason}", file=sys.stderr)
    for hint in report.hints:
        print(f"note: {hint}", file=sys.stderr)
    print(("Dry run, nothing written. " if args.dry_run else "") + report.summary)
    return 1 if report.bad_count and not (report.created or report.updated or report.skipped) else 0


EXPORT_COMMAND = ("deals as CSV: `oppbot export --team T [filters] > deals.csv`", _export_args, _export)
IMPORT_COMMAND = (
    "deals from CSV: `oppbot import deals.csv --team T [--map auto|hubspot|pipedrive|salesforce] [--dry-run]`",
    _import_args,
    _import,
)
