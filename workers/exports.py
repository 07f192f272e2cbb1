"""A large `/opp export`, run by a worker: a progress message in the user's DM updated in place, then the CSV."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from oppbot.db.base import utcnow
from oppbot.db.session import unit_of_work
from oppbot.i18n import ngettext, number, percent
from oppbot.services import deal_export, workspaces
from oppbot.services.context import Actor
from oppbot.slack.files import Upload, dm_channel, upload
from oppbot.slack.parsing import parse_list_state

log = logging.getLogger(__name__)
STEPS = 10  # the progress message changes at most this many times (chat.update is rate limited)


def _exporting(total: int, done_percent: int) -> str:
    """The progress line, in the reader's language (the worker makes theirs the active one)."""
    return ngettext(
        "Exporting {count} deals… {percent}",
        "Exporting {count} deals… {percent}",
        total,
        count=number(total),
        percent=percent(done_percent),
    )


def deliver_export(
    sessions: sessionmaker[Session], client: WebClient, team_id: str, user_id: str, detail: dict
) -> dict:
    """Export what `detail["state"]` filters for `user_id` and send it to their DM; what Slack answered."""
    actor = Actor(team_id, user_id, is_manager=bool(detail.get("manager")))
    channel = dm_channel(client, user_id)
    with unit_of_work(sessions) as session:
        today = workspaces.load_rules(session, team_id).today(utcnow())
        query, _state = parse_list_state(detail.get("state") or "{}", today)
        total = deal_export.count_deals(session, actor, query)
    ts = client.chat_postMessage(channel=channel, text=_exporting(total, 0))["ts"]
    shown = [0]

    def progress(done: int) -> None:
        step = done * STEPS // max(total, 1)
        if step > shown[0] and done < total:
            shown[0] = step
            client.chat_update(channel=channel, ts=ts, text=_exporting(total, step * 100 // STEPS))

    with unit_of_work(sessions) as session:
        data, count = deal_export.export_bytes(session, actor, query, progress=progress)
    name = deal_export.export_filename(today)
    upload(
        client, channel, [Upload(name, data, ngettext("{count} deals", "{count} deals", count, count=number(count)))]
    )
    done = ngettext(
        "Exported {count} deals: {name} is below.",
        "Exported {count} deals: {name} is below.",
        count,
        count=number(count),
        name=name,
    )
    client.chat_update(channel=channel, ts=ts, text=done)
    return {"channel": channel, "ts": ts, "count": count}
