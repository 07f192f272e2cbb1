"""Who may do what, in one place: every service asks here, whatever the UI offered.

Managers are Slack admins and owners plus the users named with `/opp managers add`. Members create deals, claim
unassigned ones, and change deals assigned to them (or unassigned ones they created). Each refusal has one wording.
"""

from __future__ import annotations

from typing import Protocol

from oppbot.domain.errors import PermissionDenied
from oppbot.domain.refs import format_ref
from oppbot.i18n import N_, _
from oppbot.services.context import Actor


class _Deal(Protocol):
    number: int
    assignee_id: str | None
    created_by: str | None


def _phrase(doing: str) -> str:
    """A caller's N_()-marked verb phrase in the active language (never `_("")`: that is the catalog's header)."""
    return _(doing) if doing else doing


def require_manager(actor: Actor, doing: str, *, field: str | None = None) -> None:
    """`doing` completes "Only managers can …", e.g. `N_("change exchange rates")`: marked by the caller, translated
    here (a text already translated passes through unchanged)."""
    if not actor.is_manager:
        raise PermissionDenied(
            _(
                "Only managers can {doing}. Ask a workspace admin or a manager named in /opp managers.",
                doing=_phrase(doing),
            ),
            field=field,
        )


def may_post_in_channel(actor: Actor) -> bool:
    """Who may put workspace data (digests, alerts, deal cards, invoices, charts) into a channel for everyone there.

    One rule for every such path, scheduled or on request: managers, the same people who subscribe a channel to
    the scheduled digests and alerts. A member asking gets the same content privately (an ephemeral preview or a
    DM), never a public post.
    """
    return actor.is_manager


# --- deals -----------------------------------------------------------------------------------------------------------


def may_edit(actor: Actor, opp: _Deal) -> bool:
    if actor.is_manager or opp.assignee_id == actor.user_id:
        return True
    # An unassigned deal can be worked by whoever created it until someone claims it.
    return opp.assignee_id is None and opp.created_by == actor.user_id


def require_edit(actor: Actor, opp: _Deal, doing: str = N_("change")) -> None:
    """`doing` completes "… to {doing} it", marked by the caller with N_() and translated here."""
    if may_edit(actor, opp):
        return
    ref = format_ref(opp.number)
    if opp.assignee_id is None:
        raise PermissionDenied(
            _(
                "Deal {ref} is unassigned: claim it first (`/opp claim {number}`) to {doing} it.",
                ref=ref,
                number=opp.number,
                doing=_phrase(doing),
            ),
            number=opp.number,
        )
    raise PermissionDenied(
        _(
            "Deal {ref} is assigned to {user}: only they or a manager can {doing} it.",
            ref=ref,
            user="{user}",
            doing=_phrase(doing),
        ),
        number=opp.number,
        user_id=opp.assignee_id,
    )


def require_assign_new(actor: Actor, assignee: str | None) -> None:
    """A member hands a new deal to themselves (or nobody); assigning others is a manager's call."""
    if assignee and assignee != actor.user_id:
        require_manager(actor, N_("assign a new deal to someone else; leave it to yourself or blank"), field="assignee")


def require_claim(actor: Actor, opp: _Deal) -> None:
    if opp.assignee_id and opp.assignee_id != actor.user_id and not actor.is_manager:
        raise PermissionDenied(
            _(
                "Deal {ref} is already assigned to {user}. "
                "Only unassigned deals can be claimed; ask a manager to reassign it.",
                ref=format_ref(opp.number),
                user="{user}",
            ),
            number=opp.number,
            user_id=opp.assignee_id,
        )


def require_assign(actor: Actor, opp: _Deal, to_user: str | None) -> None:
    """Taking a deal from someone else, or giving away one that isn't yours, is a manager's call."""
    if opp.assignee_id and opp.assignee_id != actor.user_id and not actor.is_manager:
        raise PermissionDenied(
            _(
                "Deal {ref} is assigned to {user}: only they or a manager can reassign it.",
                ref=format_ref(opp.number),
                user="{user}",
            ),
            field="assignee",
            number=opp.number,
            user_id=opp.assignee_id,
        )
    if to_user and to_user != actor.user_id and not may_edit(actor, opp):
        raise PermissionDenied(
            _("Only managers can assign deal {ref}: it isn't yours. Claim it first.", ref=format_ref(opp.number))
            if opp.assignee_id is None
            else _("Only managers can assign deal {ref}: it isn't yours.", ref=format_ref(opp.number)),
            field="assignee",
            number=opp.number,
        )


def require_snooze(actor: Actor, opp: _Deal) -> None:
    if not (actor.is_manager or (opp.assignee_id is not None and opp.assignee_id == actor.user_id)):
        ref = format_ref(opp.number)
        raise PermissionDenied(
            _("Only {user} or a manager can snooze alerts for deal {ref}.", user="{user}", ref=ref)
            if opp.assignee_id
            else _("Only whoever claims it or a manager can snooze alerts for deal {ref}.", ref=ref),
            number=opp.number,
            user_id=opp.assignee_id,
        )


# --- tasks -----------------------------------------------------------------------------------------------------------


def require_task_owner(actor: Actor, assignee_id: str | None, created_by: str | None, doing: str) -> None:
    if actor.user_id not in (assignee_id, created_by) and not actor.is_manager:
        raise PermissionDenied(
            _(
                "This task is {user}'s: only they, its author or a manager can {doing} it.",
                user="{user}",
                doing=_phrase(doing),
            ),
            user_id=assignee_id,
        )


# --- forecast: quotas and managers' adjusted figures ---------------------------------------------------------------


def require_quota(actor: Actor) -> None:
    """Quotas are set by managers and read by everyone."""
    require_manager(actor, N_("set quotas"))


def require_adjust_forecast(actor: Actor) -> None:
    """A manager's own figure beside a rep's Closed + Commit."""
    require_manager(actor, N_("adjust a rep's forecast"))
