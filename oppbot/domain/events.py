"""What can happen to a deal: the one list of event kinds, shared by services (activity and outbox rows), the deal
card's activity lines and the workers that route outbox events."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """Stored as their values in activity.kind and outbox.kind; a worker routes on them."""

    CREATED = "created"
    EDITED = "edited"
    STAGE_CHANGED = "stage_changed"
    WON = "won"
    LOST = "lost"
    REOPENED = "reopened"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    PROBABILITY_RESET = "probability_reset"
    NOTE_ADDED = "note_added"
    BILLABLE_ADDED = "billable_added"
    BILLABLE_EDITED = "billable_edited"
    BILLABLE_REMOVED = "billable_removed"
    TASK_ADDED = "task_added"
    TASK_DONE = "task_done"
    TASK_SNOOZED = "task_snoozed"
    EXPORT_REQUESTED = "export_requested"  # a large /opp export, built by a worker
    CATEGORY_CHANGED = "category_changed"  # a deal's own forecast category set or cleared
    QUOTA_SET = "quota_set"  # a rep's or the team's quota for a period (no deal)
    FORECAST_ADJUSTED = "forecast_adjusted"  # a manager's figure beside a rep's forecast (no deal)


# A deal's channel notification is posted for these (stage moves, closes, hand-overs), not for edits or notes.
NOTIFIED = frozenset(
    {
        EventKind.CREATED,
        EventKind.STAGE_CHANGED,
        EventKind.WON,
        EventKind.LOST,
        EventKind.REOPENED,
        EventKind.ASSIGNED,
        EventKind.UNASSIGNED,
    }
)
