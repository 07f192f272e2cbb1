"""Follow-up tasks: my open tasks with Done/Snooze, the reminder DM, and the add-task modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oppbot.domain.refs import format_ref
from oppbot.i18n import _, ngettext, pgettext
from oppbot.services.tasks import TaskRow
from oppbot.slack.blocks.common import actions, button, context, input_block, modal, plain_text, section
from oppbot.slack.ids import BillingAction, BillingBlock, BillingCallback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape, truncate, user, when

TASKS_SHOWN = 24  # two blocks per task: 48 of Slack's 50


REMINDER_BLOCK_PREFIX = "task_reminder_"  # Done/Snooze under a reminder DM replace that DM; elsewhere they reply


def _buttons(task_id: int, *, reminder: bool = False) -> dict[str, Any]:
    return actions(
        button(pgettext("button", "Done"), BillingAction.TASK_DONE.value, str(task_id), style="primary"),
        button(_("Snooze 1 day"), BillingAction.TASK_SNOOZE.value, str(task_id)),
        block_id=f"{REMINDER_BLOCK_PREFIX if reminder else 'task_'}{task_id}",
    )


def _line(row: TaskRow, tz: str, now: datetime | None) -> str:
    overdue = (" · " + _("*overdue*")) if now is not None and row.task.due_at < now else ""
    return (
        f"*{escape(truncate(row.task.title, 150))}* — {format_ref(row.deal_number)} "
        f"{escape(truncate(row.deal_title, 100))}\n" + _("Due {time}", time=when(row.task.due_at, tz)) + overdue
    )


def build_my_tasks(rows: list[TaskRow], *, tz: str = "UTC", now: datetime | None = None) -> list[dict[str, Any]]:
    if not rows:
        return [section(_("You have no open tasks. Add one with `/opp task <ref> <YYYY-MM-DD> <title>`."))]
    blocks: list[dict[str, Any]] = []
    for row in rows[:TASKS_SHOWN]:
        blocks.append(section(_line(row, tz, now)))
        blocks.append(_buttons(row.task.id))
    if len(rows) > TASKS_SHOWN:
        more = len(rows) - TASKS_SHOWN
        blocks.append(
            context(
                ngettext(
                    "…and {n} more; finish some to see the rest.", "…and {n} more; finish some to see the rest.", more
                )
            )
        )
    return blocks


def build_reminder(row: TaskRow, *, tz: str = "UTC") -> list[dict[str, Any]]:
    return [
        section(
            ":alarm_clock: "
            + _("Task due")
            + "\n"
            + _line(row, tz, None)
            + (
                "\n" + _("Set by {user}", user=user(row.task.created_by))
                if row.task.created_by != row.task.assignee_id
                else ""
            )
        ),
        _buttons(row.task.id, reminder=True),
    ]


def reminder_text(row: TaskRow) -> str:
    return _("Task due: {title} ({ref})", title=escape(truncate(row.task.title, 100)), ref=format_ref(row.deal_number))


def build_task_done(row: TaskRow) -> list[dict[str, Any]]:
    return [
        section(
            f":white_check_mark: ~{escape(truncate(row.task.title, 150))}~ — "
            + _("done ({ref})", ref=format_ref(row.deal_number))
        )
    ]


def build_task_snoozed(row: TaskRow, *, tz: str = "UTC") -> list[dict[str, Any]]:
    return [
        section(
            f":zzz: {escape(truncate(row.task.title, 150))} ({format_ref(row.deal_number)}) — "
            + _("snoozed until {time}; I'll remind you again then.", time=when(row.task.due_at, tz))
        )
    ]


def build_task_added(
    title: str, number: int, due_at: datetime, assignee_id: str, *, by: str, tz: str = "UTC"
) -> dict[str, Any]:
    """What the task modal turns into once saved: the task as stored, so the submit is visibly confirmed."""
    shown = escape(truncate(title, 150))
    due = when(due_at, tz)
    if assignee_id == by:
        text = _("Added *{task}* to {ref}, due {time}.", task=shown, ref=format_ref(number), time=due)
    else:
        text = _(
            "Added *{task}* to {ref} for {user}, due {time}.",
            task=shown,
            ref=format_ref(number),
            user=user(assignee_id),
            time=due,
        )
    blocks = [section(":white_check_mark: " + text)]
    return modal(BillingCallback.TASK_ADD, _("Task added"), blocks, submit=None, close=pgettext("button", "Done"))


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
            _("Task"),
            {"type": "plain_text_input", "max_length": 200, "placeholder": plain_text(_("Send the proposal"), 150)},
        ),
        input_block(BillingBlock.TASK_DUE_DATE, _("Due date"), {"type": "datepicker"}),
        input_block(
            BillingBlock.TASK_DUE_TIME,
            _("Time (your time zone)"),
            {"type": "timepicker"},
            optional=True,
            hint=_("Leave empty for 09:00."),
        ),
        input_block(BillingBlock.TASK_ASSIGNEE, _("Assignee"), assignee, optional=True, hint=_("Empty: you.")),
    ]
    meta = ViewMeta(team_id=team_id, number=number, channel_id=channel_id)
    title = _("Task on {ref}", ref=format_ref(number))
    return modal(BillingCallback.TASK_ADD, title, blocks, submit=_("Add task"), metadata=meta)
