"""Follow-up tasks: my open tasks with Done/Snooze, the reminder DM, and the add-task modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oppbot.domain.refs import format_ref
from oppbot.services.tasks import TaskRow
from oppbot.slack import metadata
from oppbot.slack.ids import BillingAction, BillingBlock, BillingCallback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape, plain, truncate, user, when

TASKS_SHOWN = 24  # two blocks per task: 48 of Slack's 50


REMINDER_BLOCK_PREFIX = "task_reminder_"  # Done/Snooze under a reminder DM replace that DM; elsewhere they reply


def _buttons(task_id: int, *, reminder: bool = False) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": f"{REMINDER_BLOCK_PREFIX if reminder else 'task_'}{task_id}",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Done"},
                "style": "primary",
                "action_id": BillingAction.TASK_DONE.value,
                "value": str(task_id),
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Snooze 1 day"},
                "action_id": BillingAction.TASK_SNOOZE.value,
                "value": str(task_id),
            },
        ],
    }


def _line(row: TaskRow, tz: str, now: datetime | None) -> str:
    overdue = " · *overdue*" if now is not None and row.task.due_at < now else ""
    return (
        f"*{escape(truncate(row.task.title, 150))}* — {format_ref(row.deal_number)} "
        f"{escape(truncate(row.deal_title, 100))}\nDue {when(row.task.due_at, tz)}{overdue}"
    )


def build_my_tasks(rows: list[TaskRow], *, tz: str = "UTC", now: datetime | None = None) -> list[dict[str, Any]]:
    if not rows:
        return [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "You have no open tasks. Add one with `/opp task <ref> <YYYY-MM-DD> <title>`.",
                },
            }
        ]
    blocks: list[dict[str, Any]] = []
    for row in rows[:TASKS_SHOWN]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _line(row, tz, now)}})
        blocks.append(_buttons(row.task.id))
    if len(rows) > TASKS_SHOWN:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"…and {len(rows) - TASKS_SHOWN} more; finish some to see the rest."}
                ],
            }
        )
    return blocks


def build_reminder(row: TaskRow, *, tz: str = "UTC") -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":alarm_clock: Task due\n"
                + _line(row, tz, None)
                + (f"\nSet by {user(row.task.created_by)}" if row.task.created_by != row.task.assignee_id else ""),
            },
        },
        _buttons(row.task.id, reminder=True),
    ]


def reminder_text(row: TaskRow) -> str:
    return f"Task due: {escape(truncate(row.task.title, 100))} ({format_ref(row.deal_number)})"


def build_task_done(row: TaskRow) -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    f":white_check_mark: ~{escape(truncate(row.task.title, 150))}~"
                    f" — done ({format_ref(row.deal_number)})"
                ),
            },
        }
    ]


def build_task_snoozed(row: TaskRow, *, tz: str = "UTC") -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    f":zzz: {escape(truncate(row.task.title, 150))} ({format_ref(row.deal_number)})"
                    f" — snoozed until {when(row.task.due_at, tz)}; I'll remind you again then."
                ),
            },
        }
    ]


def build_task_added(
    title: str, number: int, due_at: datetime, assignee_id: str, *, by: str, tz: str = "UTC"
) -> dict[str, Any]:
    """What the task modal turns into once saved: the task as stored, so the submit is visibly confirmed."""
    whom = "" if assignee_id == by else f" for {user(assignee_id)}"
    shown = escape(truncate(title, 150))
    text = f":white_check_mark: Added *{shown}* to {format_ref(number)}{whom}, due {when(due_at, tz)}."
    return {
        "type": "modal",
        "callback_id": BillingCallback.TASK_ADD.value,
        "title": {"type": "plain_text", "text": "Task added"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def build_task_modal(
    number: int,
    *,
    initial_assignee: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    assignee: dict[str, Any] = {"type": "users_select", "action_id": f"{BillingBlock.TASK_ASSIGNEE.value}_input"}
    if initial_assignee:
        assignee["initial_user"] = initial_assignee
    return {
        "type": "modal",
        "callback_id": BillingCallback.TASK_ADD.value,
        "title": {"type": "plain_text", "text": plain(f"Task on {format_ref(number)}", 24)},
        "submit": {"type": "plain_text", "text": "Add task"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata.encode(ViewMeta(team_id=team_id, number=number, channel_id=channel_id)),
        "blocks": [
            {
                "type": "input",
                "block_id": BillingBlock.TASK_TITLE.value,
                "label": {"type": "plain_text", "text": "Task"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": f"{BillingBlock.TASK_TITLE.value}_input",
                    "max_length": 200,
                    "placeholder": {"type": "plain_text", "text": "Send the proposal"},
                },
            },
            {
                "type": "input",
                "block_id": BillingBlock.TASK_DUE_DATE.value,
                "label": {"type": "plain_text", "text": "Due date"},
                "element": {"type": "datepicker", "action_id": f"{BillingBlock.TASK_DUE_DATE.value}_input"},
            },
            {
                "type": "input",
                "block_id": BillingBlock.TASK_DUE_TIME.value,
                "optional": True,
                "label": {"type": "plain_text", "text": "Time (your time zone)"},
                "hint": {"type": "plain_text", "text": "Leave empty for 09:00."},
                "element": {"type": "timepicker", "action_id": f"{BillingBlock.TASK_DUE_TIME.value}_input"},
            },
            {
                "type": "input",
                "block_id": BillingBlock.TASK_ASSIGNEE.value,
                "optional": True,
                "label": {"type": "plain_text", "text": "Assignee"},
                "hint": {"type": "plain_text", "text": "Empty: you."},
                "element": assignee,
            },
        ],
    }
