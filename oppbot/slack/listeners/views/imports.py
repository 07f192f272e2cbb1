"""/opp import's modal: the file is read with files.info and its private URL, previewed (a dry run), and imported
only when the user submits the preview. The work runs after ack(); the modal shows progress through views.update."""

from __future__ import annotations

import io
import logging

from slack_bolt import App
from slack_sdk import WebClient

from oppbot.domain.errors import InvalidInput, OppbotError
from oppbot.i18n import _, number
from oppbot.services import deal_import
from oppbot.slack.blocks import imports as blocks
from oppbot.slack.deps import Deps
from oppbot.slack.files import dm_channel, download
from oppbot.slack.ids import Block, Callback, input_action
from oppbot.slack.pipeline import Request, ack_after
from oppbot.slack.text import error_text

log = logging.getLogger(__name__)
PROGRESS_STEPS = 5  # views.update calls while importing, at most


def submitted_file(view: dict) -> tuple[str | None, str]:
    """(file id, column map) from the first modal's state."""
    values = view.get("state", {}).get("values", {})
    files = (values.get(Block.IMPORT_FILE.value, {}).get(input_action(Block.IMPORT_FILE)) or {}).get("files") or []
    chosen = (values.get(Block.IMPORT_MAP.value, {}).get(input_action(Block.IMPORT_MAP)) or {}).get("selected_option")
    return (files[0].get("id") if files else None), ((chosen or {}).get("value") or "auto")


def _update(client: WebClient, view_id: str, view: dict) -> None:
    try:
        client.views_update(view_id=view_id, view=view)
    except Exception:  # the user closed the modal: the work goes on, and the DM summary still arrives
        log.info("views.update of import modal %s failed", view_id, exc_info=True)


def _read(client: WebClient, file_id: str):
    _name, data = download(client, file_id)
    return lambda: io.BytesIO(data)


def preview(req: Request) -> None:
    """The first modal's submit: a dry run of the file, shown in place of the form (answered in the ack)."""
    file_id, map_name = submitted_file(req.view)
    if file_id is None:
        raise InvalidInput.field(Block.IMPORT_FILE.value, _("Choose a CSV file."))
    req.ack_with = {"response_action": "update", "view": blocks.working_view(_("Reading the file…"))}
    return lambda: _preview(req, file_id, map_name)


def _preview(req: Request, file_id: str, map_name: str) -> None:
    try:
        report = deal_import.preview(req.deps.sessions, req.actor, _read(req.client, file_id), map_name=map_name)
        result = blocks.preview_view(
            report, file_id=file_id, map_name=map_name, channel_id=req.meta.channel_id, team_id=req.team_id
        )
    except OppbotError as exc:
        result = blocks.refused_view(error_text(exc))
    _update(req.client, req.view["id"], result)


def confirm(req: Request):
    """The preview's submit: the import, its progress in the modal, the result there and one DM summary."""
    if not req.meta.file_id:
        lost = _("This form lost track of its file; start the import again.")
        raise InvalidInput.field(Block.IMPORT_FILE.value, lost)
    req.record_handled()  # the import commits in batches of its own: a repeated confirm must not start it again
    req.ack_with = {"response_action": "update", "view": blocks.working_view(_("Importing…"))}
    return lambda: _import(req)


def _import(req: Request) -> None:
    client, view_id, actor, meta = req.client, req.view["id"], req.actor, req.meta
    shown = [0]

    def progress(rows: int, report: deal_import.ImportReport) -> None:
        step = rows // max(1, deal_import.BATCH * 10)
        if step > shown[0] and shown[0] < PROGRESS_STEPS:
            shown[0] = step
            so_far = _("Importing… {rows} rows read, {created} new.", rows=number(rows), created=number(report.created))
            _update(client, view_id, blocks.working_view(so_far))

    try:
        report = deal_import.run_import(
            req.deps.sessions, actor, _read(client, meta.file_id), map_name=meta.map_name or "auto", progress=progress
        )
    except OppbotError as exc:
        _update(client, view_id, blocks.refused_view(error_text(exc)))
        return
    _update(client, view_id, blocks.done_view(report))
    client.chat_postMessage(channel=dm_channel(client, actor.user_id), text=blocks.summary_text(report, actor.user_id))


def register(app: App, deps: Deps) -> None:
    app.view(Callback.IMPORT.value)(ack_after(preview))
    app.view(Callback.IMPORT_CONFIRM.value)(ack_after(confirm))
