"""Task reminder DMs: the scheduler's minute job calls send_due_reminders; each task is reminded once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from oppbot import i18n
from oppbot.db import repositories as repo
from oppbot.db.models import SlackUser
from oppbot.db.session import unit_of_work
from oppbot.services import languages, tasks
from oppbot.slack.blocks.tasks import build_reminder, reminder_text

log = logging.getLogger(__name__)


def _sessions(deps_or_sessions) -> sessionmaker[Session]:
    return getattr(deps_or_sessions, "sessions", deps_or_sessions)


def send_due_reminders(deps_or_sessions, client: WebClient | Callable[[str], WebClient | None], now: datetime) -> int:
    """DM each due task's assignee once; return how many were sent.

    `client` is one WebClient (single workspace) or a function giving each team's client (None: uninstalled).
    Each task is claimed (reminded_at set) and committed BEFORE posting, so two schedulers never both send it;
    a failed post gives the claim back so the next run retries.
    """
    client_for = client if callable(client) else (lambda _team_id: client)
    sessions = _sessions(deps_or_sessions)
    with unit_of_work(sessions) as session:
        due = [(t.id, t.team_id) for t in tasks.due_reminders(session, now)]
    sent = 0
    for task_id, team_id in due:
        team_client = client_for(team_id)
        if team_client is None:
            continue  # the workspace uninstalled: nobody to remind, and no token to do it with
        with unit_of_work(sessions) as session:
            if not tasks.mark_reminded(session, task_id, now):
                continue  # another runner has it, or it was done meanwhile
            row = tasks.get_task_row(session, team_id, task_id)
            # The assignee's own zone when Slack told us (users.info cache), else the workspace's.
            cached = session.get(SlackUser, (team_id, row.task.assignee_id))
            workspace = repo.get_workspace(session, team_id)
            tz = (cached.timezone if cached is not None and cached.timezone else None) or (
                workspace.timezone if workspace is not None else "UTC"
            )
            # ...and their own language (their choice, else their Slack locale, else the workspace's).
            language = languages.for_reader(
                cached.language if cached else None,
                cached.locale if cached else None,
                workspace.language if workspace else None,
            )
        try:
            with i18n.use(language):
                text, blocks = reminder_text(row), build_reminder(row, tz=tz)
            team_client.chat_postMessage(channel=row.task.assignee_id, text=text, blocks=blocks)
            sent += 1
        except Exception:
            log.warning("Task reminder %s could not be sent; it will be retried", task_id, exc_info=True)
            with unit_of_work(sessions) as session:
                tasks.clear_reminded(session, task_id, now)
    return sent
