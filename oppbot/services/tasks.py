"""Follow-up tasks on deals: add, list mine, complete, snooze, and the reminder claim the scheduler relies on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.base import utcnow
from oppbot.db.models import Opportunity, Task
from oppbot.domain.errors import InvalidInput, NotFound
from oppbot.domain.events import EventKind
from oppbot.domain.opportunity import FieldChange, parse_date, validate_required
from oppbot.i18n import N_, _
from oppbot.services import policy
from oppbot.services.context import Actor
from oppbot.services.events import record
from oppbot.services.policy import require_edit

TITLE_MAX = 200
DEFAULT_DUE_TIME = time(9, 0)  # a task given only a date is due at 09:00 local: the start of a working day
MY_TASKS_LIMIT = 50
REMINDER_BATCH = 200


def validate_title(raw: object) -> str:
    return validate_required(
        raw, "title", _("The title"), TITLE_MAX, _('Give the task a title, like "Send the proposal".')
    )


def parse_time(raw: object) -> time | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, time):
        return raw
    try:
        return time.fromisoformat(str(raw).strip())
    except ValueError:
        raise InvalidInput.field(
            "due_time", _("'{text}' is not a time. Use HH:MM, like 14:30.", text=str(raw)[:10])
        ) from None


def zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_at_utc(due_date: object, due_time: object, tz: str | None) -> datetime:
    """A local date (and optional time) in the user's or workspace's zone, as an aware UTC instant."""
    errors: dict[str, str] = {}
    day = the_time = None
    try:
        day = parse_date(due_date, "due_date")
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        the_time = parse_time(due_time)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if day is None and "due_date" not in errors:
        errors["due_date"] = _("Choose a due date.")
    if errors:
        raise InvalidInput(errors)
    local = datetime.combine(day, the_time or DEFAULT_DUE_TIME, tzinfo=zone(tz))
    return local.astimezone(UTC)


def _tz_for(session: Session, actor: Actor, tz: str | None) -> str:
    if tz:
        return tz
    workspace = repo.get_workspace(session, actor.team_id)
    return workspace.timezone if workspace is not None else "UTC"


def add_task(
    session: Session,
    actor: Actor,
    number: int,
    title: object,
    due_date: date | str | None,
    due_time: time | str | None = None,
    assignee_id: str | None = None,
    *,
    tz: str | None = None,
) -> Task:
    """A follow-up on a deal. `tz` is the user's zone (None: the workspace's). Anyone may set a task for
    themselves; giving one to someone else needs the right to edit the deal."""
    opp = repo.get_opportunity(session, actor.team_id, number)
    errors: dict[str, str] = {}
    clean = due = None
    try:
        clean = validate_title(title)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        due = due_at_utc(due_date, due_time, _tz_for(session, actor, tz))
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput(errors)
    assignee = assignee_id or actor.user_id
    if assignee != actor.user_id:
        require_edit(actor, opp, N_("give tasks on"))
    task = Task(
        team_id=actor.team_id,
        opportunity_id=opp.id,
        title=clean,
        due_at=due,
        assignee_id=assignee,
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(task)
    session.flush()
    record(
        session,
        actor,
        opp,
        EventKind.TASK_ADDED,
        detail={"task": task.id, "title": clean, "due_at": due.isoformat(), "assignee": assignee},
    )
    session.flush()
    return task


@dataclass(frozen=True, slots=True)
class TaskRow:
    task: Task
    deal_number: int
    deal_title: str


def my_open_tasks(session: Session, actor: Actor, limit: int = MY_TASKS_LIMIT) -> list[TaskRow]:
    rows = session.execute(
        select(Task, Opportunity.number, Opportunity.title)
        .join(Opportunity, Opportunity.id == Task.opportunity_id)
        .where(Task.team_id == actor.team_id, Task.assignee_id == actor.user_id, Task.done_at.is_(None))
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    ).all()
    return [TaskRow(t, n, title) for t, n, title in rows]


def get_task_row(session: Session, team_id: str, task_id: int) -> TaskRow:
    row = session.execute(
        select(Task, Opportunity.number, Opportunity.title)
        .join(Opportunity, Opportunity.id == Task.opportunity_id)
        .where(Task.team_id == team_id, Task.id == task_id)
    ).first()
    if row is None:
        raise NotFound(_("That task does not exist any more."))
    return TaskRow(*row)


def _own(session: Session, actor: Actor, task_id: int, doing: str) -> tuple[Task, Opportunity]:
    task = session.scalar(select(Task).where(Task.team_id == actor.team_id, Task.id == task_id))
    if task is None:
        raise NotFound(_("That task does not exist any more."))
    policy.require_task_owner(actor, task.assignee_id, task.created_by, doing)
    return task, repo.get_opportunity_by_id(session, actor.team_id, task.opportunity_id)


def complete_task(session: Session, actor: Actor, task_id: int, *, now: datetime | None = None) -> Task:
    task, opp = _own(session, actor, task_id, N_("complete"))
    if task.done_at is None:
        task.done_at = now or utcnow()
        record(session, actor, opp, EventKind.TASK_DONE, detail={"task": task.id, "title": task.title})
        session.flush()
    return task


def snooze_task(
    session: Session, actor: Actor, task_id: int, delta: timedelta = timedelta(days=1), *, now: datetime | None = None
) -> Task:
    """Due again `delta` from now (or from its due time, if later); its reminder will fire again then."""
    if delta <= timedelta(0):
        raise InvalidInput.field("snooze", _("Snooze forward in time."))
    task, opp = _own(session, actor, task_id, N_("snooze"))
    if task.done_at is not None:
        raise InvalidInput.field("task", _("That task is already done."))
    moment = now or utcnow()
    before = task.due_at
    task.due_at = max(task.due_at, moment) + delta
    task.reminded_at = None
    record(
        session,
        actor,
        opp,
        EventKind.TASK_SNOOZED,
        changes=[FieldChange("due_at", before, task.due_at)],
        detail={"task": task.id},
    )
    session.flush()
    return task


# --- reminders (the scheduler's side) ------------------------------------------------------------------------------


def due_reminders(session: Session, now: datetime, limit: int = REMINDER_BATCH) -> list[Task]:
    """Open tasks, any workspace, due by `now` and not reminded yet: what the minute job sends."""
    return list(
        session.scalars(
            select(Task)
            .where(Task.done_at.is_(None), Task.reminded_at.is_(None), Task.due_at <= now)
            .order_by(Task.due_at, Task.id)
            .limit(limit)
        )
    )


def mark_reminded(session: Session, task_id: int, now: datetime) -> bool:
    """Claim a task's reminder: True for exactly one caller however many run at once (a conditional UPDATE)."""
    result = session.execute(
        update(Task)
        .where(Task.id == task_id, Task.reminded_at.is_(None), Task.done_at.is_(None))
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def clear_reminded(session: Session, task_id: int, claimed_at: datetime) -> None:
    """Give a claim back (the DM failed) so the next run retries; only our own claim, never a newer one."""
    session.execute(
        update(Task)
        .where(Task.id == task_id, Task.reminded_at == claimed_at)
        .values(reminded_at=None)
        .execution_options(synchronize_session=False)
    )
