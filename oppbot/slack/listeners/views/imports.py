"""/opp import's modal: the file is read with files.info and its private URL, previewed (a dry run), and imported
only when the user submits the preview. The work runs after ack(); the modal shows progress through views.update."""

from __future__ import annotations

import io
import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from oppbot.domain.errors import OppbotError
from oppbot.services import deal_import
from oppbot.slack.blocks import imports as blocks
from oppbot.slack.blocks.modals import decode_metadata
from oppbot.slack.deps import Deps
from oppbot.slack.files import dm_channel, download
from oppbot.slack.ids import Block, Callback, input_action
from oppbot.slack.roles import resolve_actor

log = logging.getLogger(__name__)
PROGRESS_STEPS = 5  # views.update calls while importing, at most


def submitted_file(view: dict) -> tuple[str | None, str]:
    """(file id, column map) from the first modal's state."""
    values = view.get("state", {}).get("values", {})
    files = (values.get(Block.IMPORT_FILE.value, {}).get(input_action(Block.IMPORT_FILE)) or {}).get("files") or []
    chosen = (values.get(Block.IMPORT_MAP.value, {}).get(input_action(Block.IMPORT_MAP)) or {}).get("selected_option")
    return (files[0].get("id") if files else None), ((chosen or {}).get("value") or "auto")


def _actor(deps: Deps, body: dict, client: WebClient):
    return resolve_actor(deps, client, body["view"]["team_id"], body["user"]["id"])


def _update(client: WebClient, view_id: str, view: dict) -> None:
    try:
        client.views_update(view_id=view_id, view=view)
    except Exception:  # the user closed the modal: the work goes on, and the DM summary still arrives
        log.info("views.update of import modal %s failed", view_id, exc_info=True)


def _read(client: WebClient, file_id: str):
    _name, data = download(client, file_id)
    return lambda: io.BytesIO(data)


def preview(deps: Deps, ack: Ack, body: dict, view: dict, client: WebClient) -> None:
    """The first modal's submit: a dry run of the file, shown in place of the form."""
    file_id, map_name = submitted_file(view)
    if file_id is None:
        ack(response_action="errors", errors={Block.IMPORT_FILE.value: "Choose a CSV file."})
        return
    ack(response_action="update", view=blocks.working_view("Reading the file…"))
    try:
        report = deal_import.preview(
            deps.sessions, _actor(deps, body, client), _read(client, file_id), map_name=map_name
        )
        meta = decode_metadata(view.get("private_metadata"))
        result = blocks.preview_view(report, file_id=file_id, map_name=map_name, channel_id=meta.get("c"))
    except OppbotError as exc:
        result = blocks.refused_view(exc.message)
    _update(client, view["id"], result)


def confirm(deps: Deps, ack: Ack, body: dict, view: dict, client: WebClient) -> None:
    """The preview's submit: the import, its progress in the modal, the result there and one DM summary."""
    meta = decode_metadata(view.get("private_metadata"))
    ack(response_action="update", view=blocks.working_view("Importing…"))
    actor = _actor(deps, body, client)
    shown = [0]

    def progress(rows: int, report: deal_import.ImportReport) -> None:
        step = rows // max(1, deal_import.BATCH * 10)
        if step > shown[0] and shown[0] < PROGRESS_STEPS:
            shown[0] = step
            _update(client, view["id"], blocks.working_view(f"Importing… {rows:,} rows read, {report.created:,} new."))

    try:
        report = deal_import.run_import(
            deps.sessions, actor, _read(client, meta["f"]), map_name=meta.get("m") or "auto", progress=progress
        )
    except OppbotError as exc:
        _update(client, view["id"], blocks.refused_view(exc.message))
        return
    _update(client, view["id"], blocks.done_view(report))
    client.chat_postMessage(channel=dm_channel(client, actor.user_id), text=blocks.summary_text(report, actor.user_id))


def register(app: App, deps: Deps) -> None:
    app.view(Callback.IMPORT.value)(lambda ack, body, view, client: preview(deps, ack, body, view, client))
    app.view(Callback.IMPORT_CONFIRM.value)(lambda ack, body, view, client: confirm(deps, ack, body, view, client))
