"""Every permission rule of oppbot.services.policy, once allowed and once refused, at the service level.

A deal assigned to `rep` (rep created it). `other_rep` is a member who neither owns nor created it; `manager` is a
manager of the same workspace. Each rule below runs the same operation as the refused and the allowed actor on a
fresh deal: the refusal is a PermissionDenied that says why and changes nothing (no activity, no outbox row); the
allowed call goes through. Rules already proven elsewhere (move/edit own, claim, reassign, bulk, settings, fx,
catalog, subscriptions to the digest) are at the end of this module and in test_assignment_notes_and_bulk,
test_settings_service, test_fx_and_snapshots, test_billing_services and test_scheduled_sends.
"""

from __future__ import annotations

from datetime import date

import pytest
from integration.helpers import make_customer, make_deal
from integration.rows import counts, deal, form_of
from sqlalchemy import func, select

from oppbot.db.models import Activity, OutboxEvent
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import PermissionDenied
from oppbot.domain.opportunity import Draft
from oppbot.domain.stages import Stage
from oppbot.services import alerts, billables, invoices, notifications, opportunities, tasks
from oppbot.services.workspaces import ensure_workspace
from oppbot.slack.text import error_text


def _won_with_billables(session, rep, number):
    billables.add_billable(session, rep, number, description="Hours", quantity="1", unit_price="10")
    opportunities.close_won(session, rep, number)


# (rule, prepare(session, rep, number) or None, act(session, actor, number), who is refused, who is allowed)
RULES = [
    ("close a deal as won", None, lambda s, a, n: opportunities.close_won(s, a, n), "other_rep", "rep"),
    (
        "close someone else's deal as won",
        None,
        lambda s, a, n: opportunities.close_won(s, a, n),
        "other_rep",
        "manager",
    ),
    ("close a deal as lost", None, lambda s, a, n: opportunities.close_lost(s, a, n, "Price"), "other_rep", "manager"),
    ("reset the probability", None, lambda s, a, n: opportunities.reset_probability(s, a, n), "other_rep", "rep"),
    ("unassign someone else's deal", None, lambda s, a, n: opportunities.unassign(s, a, n), "other_rep", "manager"),
    (
        "assign a deal one owns to someone",
        None,
        lambda s, a, n: opportunities.assign(s, a, n, "U_THIRD"),
        "other_rep",
        "rep",
    ),
    (
        "change a deal's close date from an alert",
        None,
        lambda s, a, n: alerts.set_expected_close(s, a, n, date(2031, 1, 2)),
        "other_rep",
        "manager",
    ),
    ("snooze a deal's alerts", None, lambda s, a, n: alerts.snooze(s, a, n), "other_rep", "rep"),
    (
        "add a billable line",
        None,
        lambda s, a, n: billables.add_billable(s, a, n, description="Extra", quantity="1", unit_price="5"),
        "other_rep",
        "manager",
    ),
    (
        "set the value to the billables total",
        lambda s, rep, n: billables.add_billable(s, rep, n, description="Hours", quantity="2", unit_price="7"),
        lambda s, a, n: billables.set_value_to_total(s, a, n),
        "other_rep",
        "rep",
    ),
    (
        "invoice a won deal",
        _won_with_billables,
        lambda s, a, n: invoices.generate_invoice(s, a, n),
        "other_rep",
        "manager",
    ),
    (
        "give someone else a task on the deal",
        None,
        lambda s, a, n: tasks.add_task(s, a, n, "Call", "2030-01-01", assignee_id="U_THIRD", tz="UTC"),
        "other_rep",
        "rep",
    ),
]


def _changes(sessions) -> tuple[int, int]:
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Activity)),
            session.scalar(select(func.count()).select_from(OutboxEvent)),
        )


@pytest.mark.parametrize(("rule", "prepare", "act", "refused", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_each_deal_rule_refuses_one_actor_with_the_reason_and_allows_the_other(
    sessions, rep, other_rep, manager, rule, prepare, act, refused, allowed
):
    actors = {"rep": rep, "other_rep": other_rep, "manager": manager}
    number = make_deal(sessions, rep, make_customer(sessions, rep), assignee=rep.user_id, expected_close="2030-06-30")
    if prepare is not None:
        with unit_of_work(sessions) as session:
            prepare(session, rep, number)
    before = _changes(sessions)
    with pytest.raises(PermissionDenied) as refusal, unit_of_work(sessions) as session:
        act(session, actors[refused], number)
    assert refusal.value.message.strip(), f"{rule}: a refusal must say why"
    assert _changes(sessions) == before, f"{rule}: a refusal changed something"
    with unit_of_work(sessions) as session:
        act(session, actors[allowed], number)


def test_a_member_may_give_themselves_a_task_on_someone_else_s_deal(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as session:
        task = tasks.add_task(session, other_rep, number, "Ask about it", "2030-01-01", tz="UTC")
    assert task.assignee_id == other_rep.user_id


def test_a_manager_completes_and_snoozes_a_task_that_is_not_theirs(sessions, rep, other_rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as session:
        first = tasks.add_task(session, rep, number, "First", "2030-01-01", tz="UTC")
        second = tasks.add_task(session, rep, number, "Second", "2030-01-02", tz="UTC")
    with pytest.raises(PermissionDenied, match="only they, its author or a manager"), unit_of_work(sessions) as s:
        tasks.snooze_task(s, other_rep, second.id)
    with unit_of_work(sessions) as session:
        assert tasks.complete_task(session, manager, first.id).done_at is not None
        tasks.snooze_task(session, manager, second.id)


def test_only_managers_change_deal_notification_subscriptions(sessions, rep, manager):
    with unit_of_work(sessions) as session:
        ensure_workspace(session, rep.team_id, default_currency="USD")
    for change in (
        lambda s, a: notifications.subscribe(s, a, "C_SALES"),
        lambda s, a: notifications.unsubscribe(s, a, "C_SALES"),
    ):
        with (
            pytest.raises(PermissionDenied, match="Only managers can change deal notification subscriptions"),
            unit_of_work(sessions) as session,
        ):
            change(session, rep)
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, "C_SALES")
    with unit_of_work(sessions) as session:
        assert [sub.channel_id for sub in notifications.list_subscriptions(session, rep)] == ["C_SALES"]
        assert notifications.unsubscribe(session, manager, "C_SALES")


def test_a_member_creates_deals_for_themselves_and_only_a_manager_for_someone_else(sessions, rep, manager):
    customer = make_customer(sessions, rep)
    with pytest.raises(PermissionDenied, match="Only managers can assign a new deal"), unit_of_work(sessions) as s:
        opportunities.create(s, rep, Draft(customer=customer, title="For them", value="1", assignee="U_THIRD"))
    with unit_of_work(sessions) as session:
        mine = opportunities.create(
            session, rep, Draft(customer=customer, title="Mine", value="1", assignee=rep.user_id)
        )
        theirs = opportunities.create(
            session, manager, Draft(customer=customer, title="For them", value="1", assignee="U_THIRD")
        )
        assert (mine.opportunity.assignee_id, theirs.opportunity.assignee_id) == (rep.user_id, "U_THIRD")


def test_a_member_can_not_take_a_forecast_snapshot_and_a_manager_can(sessions):
    """The rule lives in the service (through the policy module), not only in the command that offers it."""
    from datetime import date

    from oppbot.db.base import utcnow
    from oppbot.domain.errors import PermissionDenied
    from oppbot.domain.periods import month_of
    from oppbot.services import forecast
    from oppbot.services.context import Actor
    from oppbot.services.workspaces import ensure_workspace

    period = month_of(date(2026, 11, 15))
    with unit_of_work(sessions) as session:
        ensure_workspace(session, "T111", default_currency="USD")
    with (
        pytest.raises(PermissionDenied, match="Only managers can take forecast snapshots"),
        unit_of_work(sessions) as session,
    ):
        forecast.take_manual_snapshot(session, Actor("T111", "U_REP"), period, now=utcnow())
    with unit_of_work(sessions) as session:
        taken = forecast.take_manual_snapshot(session, Actor("T111", "U_BOSS", is_manager=True), period, now=utcnow())
    assert taken.snapshot.label.startswith("manual-")


def test_every_permission_refusal_is_raised_by_the_policy_module():
    """No service or listener refuses on its own: the rules (and their wording) are in oppbot.services.policy."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "oppbot"
    raisers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "raise PermissionDenied" in path.read_text() and path.name != "policy.py"
    ]
    assert raisers == []


# --- move, edit, claim, assign, bulk: each refusal worded by the policy module -----------------------------------


def refused(sessions, call) -> str:
    before = counts(sessions)
    with pytest.raises(PermissionDenied) as exc, unit_of_work(sessions) as s:
        call(s)
    assert counts(sessions) == before
    # The error carries the user it names; this is how Slack shows it (oppbot.slack.text.error_text).
    return error_text(exc.value)


def test_a_member_moves_and_edits_a_deal_assigned_to_them(sessions, rep, manager):
    number = make_deal(sessions, manager, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.move(s, rep, number, Stage.QUALIFICATION)
    with unit_of_work(sessions) as s:
        opportunities.edit(s, rep, number, form_of(deal(sessions, rep, number), title="Mine now"))
    assert (deal(sessions, rep, number).stage, deal(sessions, rep, number).title) == ("qualification", "Mine now")


def test_a_member_moves_an_unassigned_deal_they_created(sessions, rep):
    number = make_deal(sessions, rep)
    with unit_of_work(sessions) as s:
        opportunities.move(s, rep, number, Stage.QUALIFICATION)
    assert deal(sessions, rep, number).stage == "qualification"


def test_a_member_may_not_move_or_edit_a_deal_assigned_to_someone_else(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    why = refused(sessions, lambda s: opportunities.move(s, other_rep, number, Stage.PROPOSAL))
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can move it."
    form = form_of(deal(sessions, rep, number), title="Not mine")
    why = refused(sessions, lambda s: opportunities.edit(s, other_rep, number, form))
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can edit it."
    why = refused(sessions, lambda s: opportunities.close_lost(s, other_rep, number, "Price"))
    assert "only they or a manager can move it" in why


def test_a_member_may_not_move_an_unassigned_deal_someone_else_created(sessions, rep, other_rep):
    number = make_deal(sessions, rep)
    why = refused(sessions, lambda s: opportunities.move(s, other_rep, number, Stage.PROPOSAL))
    assert why == f"Deal #{number} is unassigned: claim it first (`/opp claim {number}`) to move it."
    why = refused(sessions, lambda s: opportunities.reset_probability(s, other_rep, number))
    assert "claim it first" in why


def test_a_manager_moves_and_edits_anyone_s_deal(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.move(s, manager, number, Stage.NEGOTIATION)
    with unit_of_work(sessions) as s:
        opportunities.edit(s, manager, number, form_of(deal(sessions, rep, number), title="Checked"))
    assert deal(sessions, rep, number).title == "Checked"


def test_a_member_claims_only_unassigned_deals(sessions, rep, other_rep):
    free = make_deal(sessions, rep)
    taken = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.claim(s, other_rep, free)
    why = refused(sessions, lambda s: opportunities.claim(s, other_rep, taken))
    assert "already assigned to <@U_REP>. Only unassigned deals can be claimed; ask a manager" in why


def test_a_manager_claims_an_assigned_deal(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.claim(s, manager, number)
    assert deal(sessions, rep, number).assignee_id == manager.user_id


def test_a_member_may_not_reassign_someone_else_s_deal(sessions, rep, other_rep):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    why = refused(sessions, lambda s: opportunities.assign(s, other_rep, number, other_rep.user_id))
    # One refusal, one wording (oppbot.services.policy), whether the deal is handed on or let go of.
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can reassign it."
    why = refused(sessions, lambda s: opportunities.unassign(s, other_rep, number))
    assert why == f"Deal #{number} is assigned to <@U_REP>: only they or a manager can reassign it."
    reassign = form_of(deal(sessions, rep, number), assignee=other_rep.user_id)
    refused(sessions, lambda s: opportunities.edit(s, other_rep, number, reassign))


def test_a_member_may_not_assign_an_unassigned_deal_they_did_not_create(sessions, rep, other_rep):
    number = make_deal(sessions, rep)
    why = refused(sessions, lambda s: opportunities.assign(s, other_rep, number, "U_THIRD"))
    assert why == f"Only managers can assign deal #{number}: it isn't yours. Claim it first."


def test_a_manager_reassigns_someone_else_s_deal(sessions, rep, other_rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as s:
        opportunities.assign(s, manager, number, other_rep.user_id)
    assert deal(sessions, rep, number).assignee_id == other_rep.user_id
    with unit_of_work(sessions) as s:
        opportunities.unassign(s, manager, number)
    assert deal(sessions, rep, number).assignee_id is None


def test_bulk_operations_are_refused_to_members_and_allowed_to_managers(sessions, rep, manager):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    why = refused(sessions, lambda s: opportunities.bulk_move(s, rep, [number], Stage.QUALIFICATION))
    assert why.startswith("Only managers can move deals in bulk.")
    why = refused(sessions, lambda s: opportunities.bulk_assign(s, rep, [number], None))
    assert why.startswith("Only managers can assign deals in bulk.")
    with unit_of_work(sessions) as s:
        assert len(opportunities.bulk_move(s, manager, [number], Stage.QUALIFICATION).done) == 1
        assert len(opportunities.bulk_assign(s, manager, [number], None).done) == 1
