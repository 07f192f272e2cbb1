"""Follow-up tasks: my open tasks with Done/Snooze, the reminder DM, and the add-task modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oppbot.domain.refs import format_ref
from oppbot.services.tasks import TaskRow
from oppbot.slack.blocks.common import actions, button, context, input_block, modal, plain_text, section
from oppbot.slack.ids import BillingAction, BillingBlock, BillingCallback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape, truncate, user, when

TASKS_SHOWN = 24  # two blocks per task: 48 of Slack's 50


REMINDER_BLOCK_PREFIX = "task_reminder_"  # Done/Snooze under a reminder DM replace that DM; elsewhere they reply


def _buttons(task_id: int, *, reminder: bool = False) -> dict[str, Any]:
    return actions(
        button("Done", BillingAction.TASK_DONE.value, str(task_id), style="primary"),
        button("Snooze 1 day", BillingAction.TASK_SNOOZE.value, str(task_id)),
        block_id=f"{REMINDER_BLOCK_PREFIX if reminder else 'task_'}{task_id}",
    )


def _line(row: TaskRow, tz: str, now: datetime | None) -> str:
    overdue = " · *overdue*" if now is not None and row.task.due_at < now else ""
    return (
        f"*{escape(truncate(row.task.title, 150))}* — {format_ref(row.deal_number)} "
        f"{escape(truncate(row.deal_title, 100))}\nDue {when(row.task.due_at, tz)}{overdue}"
    )


def build_my_tasks(rows: list[TaskRow], *, tz: str = "UTC", now: datetime | None = None) -> list[dict[str, Any]]:
    if not rows:
        return [section("You have no open tasks. Add one with `/opp task <ref> <YYYY-MM-DD> <title>`.")]
    blocks: list[dict[str, Any]] = []
    for row in rows[:TASKS_SHOWN]:
        blocks.append(section(_line(row, tz, now)))
        blocks.append(_buttons(row.task.id))
    if len(rows) > TASKS_SHOWN:
        blocks.append(context(f"…and {len(rows) - TASKS_SHOWN} more; finish some to see the rest."))
    return blocks


def build_reminder(row: TaskRow, *, tz: str = "UTC") -> list[dict[str, Any]]:
    return [
        section(
            ":alarm_clock: Task due\n"
            + _line(row, tz, None)
            + (f"\nSet by {user(row.task.created_by)}" if row.task.created_by != row.task.assignee_id else "")
        ),
        _buttons(row.task.id, reminder=True),
    ]


def reminder_text(row: TaskRow) -> str:
    return f"Task due: {escape(truncate(row.task.title, 100))} ({format_ref(row.deal_number)})"


def build_task_done(row: TaskRow) -> list[dict[str, Any]]:
    return [
        section(f":white_check_mark: ~{escape(truncate(row.task.title, 150))}~ — done ({format_ref(row.deal_number)})")
    ]


def build_task_snoozed(row: TaskRow, *, tz: str = "UTC") -> list[dict[str, Any]]:
    return [
        section(
            f":zzz: {escape(truncate(row.task.title, 150))} ({format_ref(row.deal_number)})"
            f" — snoozed until {when(row.task.due_at, tz)}; I'll remind you again then."
        )
    ]


def build_task_added(
    title: str, number: int, due_at: datetime, assignee_id: str, *, by: str, tz: str = "UTC"
) -> dict[str, Any]:
    """What the task modal turns into once saved: the task as stored, so the submit is visibly confirmed."""
    whom = "" if assignee_id == by else f" for {user(assignee_id)}"
    shown = escape(truncate(title, 150))
    text = f":white_check_mark: Added *{shown}* to {format_ref(number)}{whom}, due {when(due_at, tz)}."
    return modal(BillingCallback.TASK_ADD, "Task added", [section(text)], submit=None, close="Done")


def build_task_modal(
    number: int,
    *,
    initial_assignee: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    assignee: dict[str, Any] = {"type": "users_select"}
    if initial_assignee:
        assignee["initial_user"] = initial_assignee
    blocks = [
        input_block(
            BillingBlock.TASK_TITLE,
            "Task",
            {"type": "plain_text_input", "max_length": 200, "placeholder": plain_text("Send the proposal", 150)},
        ),
        input_block(BillingBlock.TASK_DUE_DATE, "Due date", {"type": "datepicker"}),
        input_block(
            BillingBlock.TASK_DUE_TIME,
            "Time (your time zone)",
            {"type": "timepicker"},
            optional=True,
            hint="Leave empty for 09:00.",
        ),
        input_block(BillingBlock.TASK_ASSIGNEE, "Assignee", assignee, optional=True, hint="Empty: you."),
    ]
    meta = ViewMeta(team_id=team_id, number=number, channel_id=channel_id)
    return modal(BillingCallback.TASK_ADD, f"Task on {format_ref(number)}", blocks, submit="Add task", metadata=meta)
