"""The /opp import modal: choose the file, see the dry run (what would be created, updated, skipped, and each bad
row by line), confirm, follow the progress, read the result. Pure builders."""

from __future__ import annotations

from oppbot.i18n import N_, _, ngettext, number, pgettext
from oppbot.services.deal_import import ImportReport
from oppbot.slack.blocks.common import bold, context, input_block, modal, option, section
from oppbot.slack.ids import Block, Callback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape

TITLE = N_("Import deals")
BAD_ROWS_SHOWN = 40
MAP_LABELS = {
    "auto": N_("Guess from the columns"),
    "oppbot": N_("oppbot's own export"),
    "hubspot": N_("HubSpot deals export"),
    "pipedrive": N_("Pipedrive deals export"),
    "salesforce": N_("Salesforce opportunities report"),
}


def import_modal(*, team_id: str) -> dict:
    maps = [option(_(label), name) for name, label in MAP_LABELS.items()]
    blocks = [
        input_block(
            Block.IMPORT_FILE,
            _("CSV file"),
            {"type": "file_input", "filetypes": ["csv", "txt"], "max_files": 1},
            hint=_("One row per deal, the first line naming the columns. Nothing is imported before you confirm."),
        ),
        input_block(
            Block.IMPORT_MAP, _("Columns"), {"type": "static_select", "options": maps, "initial_option": maps[0]}
        ),
    ]
    return modal(Callback.IMPORT, _(TITLE), blocks, submit=_("Preview"), metadata=ViewMeta(team_id=team_id))


def _close() -> str:
    return pgettext("button", "Close")


def working_view(message: str) -> dict:
    blocks = [context(f":hourglass_flowing_sand: {message}")]
    return modal(Callback.IMPORT, _(TITLE), blocks, submit=None, close=_close())


def refused_view(message: str) -> dict:
    return modal(Callback.IMPORT, _(TITLE), [section(escape(message))], submit=None)


def _counts(report: ImportReport) -> str:
    if report.dry_run:
        created = _("*{count}* would be created", count=number(report.created))
        updated = _("*{count}* would be updated", count=number(report.updated))
    else:
        created = _("*{count}* created", count=number(report.created))
        updated = _("*{count}* updated", count=number(report.updated))
    lines = [
        _("*{count}* rows ({columns} columns)", count=number(report.rows), columns=escape(report.map_name)),
        "• " + created,
        "• " + updated,
        "• " + _("*{count}* unchanged, skipped", count=number(report.skipped)),
        "• " + ngettext("*{count}* bad row", "*{count}* bad rows", report.bad_count, count=number(report.bad_count)),
    ]
    if report.customers_created:
        lines.append(
            "• "
            + ngettext(
                "{count} new customer(s)",
                "{count} new customer(s)",
                report.customers_created,
                count=number(report.customers_created),
            )
        )
    return "\n".join(lines)


def _details(report: ImportReport) -> list[dict]:
    blocks: list[dict] = []
    if report.bad:
        lines = [_("Line {line}: {reason}", line=p.line, reason=escape(p.reason)) for p in report.bad[:BAD_ROWS_SHOWN]]
        more = report.bad_count - len(lines)
        text = bold(_("Bad rows")) + " " + _("(left out):") + "\n" + "\n".join(lines)
        if more > 0:
            text += "\n" + ngettext("…and {count} more.", "…and {count} more.", more, count=number(more))
        blocks.append(section(text))
    notes = [escape(h) for h in report.hints]
    if report.owners_unknown:
        notes.append(
            ngettext(
                "{count} owner(s) aren't Slack user ids: those deals stay unassigned.",
                "{count} owner(s) aren't Slack user ids: those deals stay unassigned.",
                report.owners_unknown,
                count=number(report.owners_unknown),
            )
        )
    if report.formulas:
        notes.append(
            ngettext(
                "{count} cell(s) looked like spreadsheet formulas: kept as plain text.",
                "{count} cell(s) looked like spreadsheet formulas: kept as plain text.",
                report.formulas,
                count=number(report.formulas),
            )
        )
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
        blocks.append(context(_("Nothing to import: every good row is already here, unchanged.")))
    return modal(
        Callback.IMPORT_CONFIRM,
        _(TITLE),
        blocks,
        submit=_("Import {count}", count=number(todo)) if todo else None,
        metadata=ViewMeta(team_id=team_id, file_id=file_id, map_name=map_name, channel_id=channel_id),
        close=pgettext("button", "Cancel") if todo else _close(),
    )


def done_view(report: ImportReport) -> dict:
    blocks = [section(bold(_("Imported.")) + "\n" + _counts(report)), *_details(report)]
    return modal(Callback.IMPORT_CONFIRM, _(TITLE), blocks, submit=None, close=_close())


def summary_text(report: ImportReport, user_id: str) -> str:
    """The one message an import posts (never one per deal)."""
    return _("{user} imported deals: {summary}", user=f"<@{user_id}>", summary=escape(report.summary))
