"""The /opp import modal: choose the file, see the dry run (what would be created, updated, skipped, and each bad
row by line), confirm, follow the progress, read the result. Pure builders."""

from __future__ import annotations

from oppbot.services.deal_import import ImportReport
from oppbot.slack.blocks.common import context, input_block, modal, option, section
from oppbot.slack.ids import Block, Callback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape

TITLE = "Import deals"
BAD_ROWS_SHOWN = 40
MAP_LABELS = {
    "auto": "Guess from the columns",
    "oppbot": "oppbot's own export",
    "hubspot": "HubSpot deals export",
    "pipedrive": "Pipedrive deals export",
    "salesforce": "Salesforce opportunities report",
}


def import_modal(*, team_id: str) -> dict:
    maps = [option(label, name) for name, label in MAP_LABELS.items()]
    blocks = [
        input_block(
            Block.IMPORT_FILE,
            "CSV file",
            {"type": "file_input", "filetypes": ["csv", "txt"], "max_files": 1},
            hint="One row per deal, the first line naming the columns. Nothing is imported before you confirm.",
        ),
        input_block(Block.IMPORT_MAP, "Columns", {"type": "static_select", "options": maps, "initial_option": maps[0]}),
    ]
    return modal(Callback.IMPORT, TITLE, blocks, submit="Preview", metadata=ViewMeta(team_id=team_id))


def working_view(message: str) -> dict:
    return modal(Callback.IMPORT, TITLE, [context(f":hourglass_flowing_sand: {message}")], submit=None, close="Close")


def refused_view(message: str) -> dict:
    return modal(Callback.IMPORT, TITLE, [section(escape(message))], submit=None)


def _counts(report: ImportReport) -> str:
    would = "" if not report.dry_run else "would be "
    return (
        f"*{report.rows:,}* rows ({escape(report.map_name)} columns)\n"
        f"• *{report.created:,}* {would}created\n"
        f"• *{report.updated:,}* {would}updated\n"
        f"• *{report.skipped:,}* unchanged, skipped\n"
        f"• *{report.bad_count:,}* bad row{'s' if report.bad_count != 1 else ''}"
        + (f"\n• {report.customers_created:,} new customer(s)" if report.customers_created else "")
    )


def _details(report: ImportReport) -> list[dict]:
    blocks: list[dict] = []
    if report.bad:
        lines = [f"Line {p.line}: {escape(p.reason)}" for p in report.bad[:BAD_ROWS_SHOWN]]
        more = report.bad_count - len(lines)
        text = "*Bad rows* (left out):\n" + "\n".join(lines) + (f"\n…and {more:,} more." if more > 0 else "")
        blocks.append(section(text))
    notes = [escape(h) for h in report.hints]
    if report.owners_unknown:
        notes.append(f"{report.owners_unknown:,} owner(s) aren't Slack user ids: those deals stay unassigned.")
    if report.formulas:
        notes.append(f"{report.formulas:,} cell(s) looked like spreadsheet formulas: kept as plain text.")
    if notes:
        blocks.append(context("\n".join(notes)[:2900]))
    return blocks


def preview_view(
    report: ImportReport, *, file_id: str, map_name: str, channel_id: str | None, team_id: str | None = None
) -> dict:
    """The dry run. Submitting it imports; with nothing to create or update there is no submit button."""
    blocks = [section(_counts(report)), *_details(report)]
    todo = report.created + report.updated
    if not todo:
        blocks.append(context("Nothing to import: every good row is already here, unchanged."))
    return modal(
        Callback.IMPORT_CONFIRM,
        TITLE,
        blocks,
        submit=f"Import {todo:,}" if todo else None,
        metadata=ViewMeta(team_id=team_id, file_id=file_id, map_name=map_name, channel_id=channel_id),
        close="Cancel" if todo else "Close",
    )


def done_view(report: ImportReport) -> dict:
    blocks = [section("*Imported.*\n" + _counts(report)), *_details(report)]
    return modal(Callback.IMPORT_CONFIRM, TITLE, blocks, submit=None, close="Close")


def summary_text(report: ImportReport, user_id: str) -> str:
    """The one message an import posts (never one per deal)."""
    return f"<@{user_id}> imported deals: {escape(report.summary)}"
