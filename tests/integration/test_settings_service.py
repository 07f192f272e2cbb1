"""Workspace settings and named managers: who may change them, what is validated, and what a change records."""

from __future__ import annotations

import pytest
from integration.helpers import make_deal
from sqlalchemy import func, select

from oppbot.db.models import Activity, Manager, Opportunity, OutboxEvent, Workspace
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput, PermissionDenied
from oppbot.domain.stages import Stage
from oppbot.services import opportunities
from oppbot.services import settings as service
from oppbot.services.workspaces import ensure_workspace, load_rules


@pytest.fixture
def workspaces(sessions, rep, outsider):
    with unit_of_work(sessions) as session:
        ensure_workspace(session, rep.team_id, default_currency="USD")
        ensure_workspace(session, outsider.team_id, default_currency="USD")


def run(sessions, fn, *args):
    with unit_of_work(sessions) as session:
        return fn(session, *args)


def activities(sessions, team_id: str) -> list[Activity]:
    with sessions() as session:
        return list(session.scalars(select(Activity).where(Activity.team_id == team_id).order_by(Activity.id)))


def workspace(sessions, team_id: str) -> Workspace:
    with sessions() as session:
        return session.get(Workspace, team_id)


SETTERS = [
    (service.set_currency, ("EUR",), "change the workspace currency"),
    (service.set_reporting_currency, ("NOK",), "change the reporting currency"),
    (service.set_timezone, ("Europe/Oslo",), "change the workspace time zone"),
    (service.set_stage_probability, (Stage.PROPOSAL, 60), "change stage probabilities"),
    (service.set_stale_days, (Stage.LEAD, 10), "change stale-deal thresholds"),
    (service.set_loss_reasons, (["Price", "Timing"],), "change the loss reasons"),
    (service.add_manager, ("U_NEW",), "name managers"),
    (service.remove_manager, ("U_NEW",), "remove managers"),
]


@pytest.mark.parametrize("setter, args, doing", SETTERS, ids=[s[0].__name__ for s in SETTERS])
def test_a_member_is_refused_every_change_with_the_reason_and_nothing_changes(
    sessions, workspaces, rep, setter, args, doing
):
    before = workspace(sessions, rep.team_id)
    with pytest.raises(PermissionDenied) as refused:
        run(sessions, setter, rep, *args)
    assert refused.value.message == (
        f"Only managers can {doing}. Ask a workspace admin or a manager named in /opp managers."
    )
    after = workspace(sessions, rep.team_id)
    assert (after.currency, after.reporting_currency, after.timezone) == (
        before.currency,
        before.reporting_currency,
        before.timezone,
    )
    assert (after.stage_probabilities, after.stale_days, after.loss_reasons) == ({}, {}, [])
    assert activities(sessions, rep.team_id) == []


@pytest.mark.parametrize("setter, args, doing", SETTERS[:-1], ids=[s[0].__name__ for s in SETTERS[:-1]])
def test_a_manager_may_make_every_change_and_each_is_recorded_once(sessions, workspaces, manager, setter, args, doing):
    change = run(sessions, setter, manager, *args)
    assert change.changed
    recorded = activities(sessions, manager.team_id)
    assert len(recorded) == 1
    assert recorded[0].opportunity_id is None and recorded[0].actor_id == manager.user_id


def test_currency_timezone_and_reporting_currency_are_stored_normalised(sessions, workspaces, manager):
    assert run(sessions, service.set_currency, manager, " eur ").after == "EUR"
    run(sessions, service.set_reporting_currency, manager, "nok")
    run(sessions, service.set_timezone, manager, "America/Argentina/Buenos_Aires")
    rules = run(sessions, load_rules, manager.team_id)
    assert (rules.currency, rules.reporting_currency) == ("EUR", "NOK")
    assert rules.timezone == "America/Argentina/Buenos_Aires"
    kinds = [(a.kind, a.changes) for a in activities(sessions, manager.team_id)]
    assert kinds[0] == (service.SETTINGS_CHANGED, [{"field": "currency", "before": "USD", "after": "EUR"}])


def test_setting_the_same_value_again_changes_and_records_nothing(sessions, workspaces, manager):
    run(sessions, service.set_currency, manager, "EUR")
    again = run(sessions, service.set_currency, manager, "eur")
    assert not again.changed
    assert len(activities(sessions, manager.team_id)) == 1


@pytest.mark.parametrize(
    "setter, args, field",
    [
        (service.set_currency, ("EURO",), "currency"),
        (service.set_reporting_currency, ("",), "currency"),
        (service.set_timezone, ("Mars/Olympus",), "timezone"),
        (service.set_timezone, ("../../etc/passwd",), "timezone"),
        (service.set_stage_probability, (Stage.PROPOSAL, 101), "probability"),
        (service.set_stage_probability, (Stage.PROPOSAL, "-1"), "probability"),
        (service.set_stage_probability, (Stage.PROPOSAL, "lots"), "probability"),
        (service.set_stage_probability, (Stage.CLOSED_WON, 90), "stage"),
        (service.set_stage_probability, (Stage.CLOSED_LOST, 5), "stage"),
        (service.set_stale_days, (Stage.LEAD, 0), "days"),
        (service.set_stale_days, (Stage.LEAD, "soon"), "days"),
        (service.set_stale_days, (Stage.LEAD, 10**9), "days"),
        (service.set_stale_days, (Stage.CLOSED_WON, 5), "stage"),
        (service.set_loss_reasons, ([" ", ""],), "loss_reasons"),
        (service.set_loss_reasons, (["x" * 101],), "loss_reasons"),
        (service.add_manager, ("not a user",), "user"),
    ],
)
def test_invalid_values_are_refused_in_words_and_nothing_is_recorded(
    sessions, workspaces, manager, setter, args, field
):
    with pytest.raises(InvalidInput) as invalid:
        run(sessions, setter, manager, *args)
    assert field in invalid.value.errors and invalid.value.message.endswith(".")
    assert activities(sessions, manager.team_id) == []


def test_closed_stage_probabilities_stay_fixed(sessions, workspaces, manager):
    with pytest.raises(InvalidInput, match="Closed-Won is always 100%"):
        run(sessions, service.set_stage_probability, manager, Stage.CLOSED_WON, 90)


def test_loss_reasons_are_trimmed_and_deduplicated_keeping_the_first_spelling(sessions, workspaces, manager):
    change = run(sessions, service.set_loss_reasons, manager, ["  Price ", "price", "Too   slow", "", "PRICE", "Fit"])
    assert change.after == ["Price", "Too slow", "Fit"]
    assert run(sessions, load_rules, manager.team_id).loss_reasons == ("Price", "Too slow", "Fit")


def test_a_new_stage_default_moves_only_open_deals_that_follow_the_default_in_one_statement(
    sessions, workspaces, rep, manager, outsider
):
    follows = make_deal(sessions, rep, stage="proposal")
    follows_too = make_deal(sessions, rep, stage="proposal")
    by_hand = make_deal(sessions, rep, stage="proposal", probability=35)
    other_stage = make_deal(sessions, rep, stage="lead")
    elsewhere = make_deal(sessions, outsider, stage="proposal")
    versions = {}
    with sessions() as session:
        for opp in session.scalars(select(Opportunity)):
            versions[(opp.team_id, opp.number)] = (opp.version, opp.probability, opp.probability_source)
    assert versions[(rep.team_id, by_hand)][2] == "manual"

    statements: list[str] = []
    from sqlalchemy import event

    engine = sessions.kw["bind"]

    def capture(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("UPDATE OPPORTUNITIES"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        change = run(sessions, service.set_stage_probability, manager, Stage.PROPOSAL, 60)
    finally:
        event.remove(engine, "before_cursor_execute", capture)

    assert len(statements) == 1
    assert change.deals_updated == 2 and (change.before, change.after) == (50, 60)
    with sessions() as session:
        now = {(o.team_id, o.number): (o.version, o.probability) for o in session.scalars(select(Opportunity))}
    for number in (follows, follows_too):
        assert now[(rep.team_id, number)] == (versions[(rep.team_id, number)][0] + 1, 60)
    assert now[(rep.team_id, by_hand)] == versions[(rep.team_id, by_hand)][:2]
    assert now[(rep.team_id, other_stage)] == versions[(rep.team_id, other_stage)][:2]
    assert now[(outsider.team_id, elsewhere)] == versions[(outsider.team_id, elsewhere)][:2]
    recorded = activities(sessions, manager.team_id)
    settings_rows = [a for a in recorded if a.kind == service.SETTINGS_CHANGED]
    assert len(settings_rows) == 1
    assert settings_rows[0].detail["deals_updated"] == 2 and settings_rows[0].opportunity_id is None
    assert run(sessions, load_rules, rep.team_id).probabilities[Stage.PROPOSAL] == 60
    # New deals in the stage start at the new default too.
    fresh = make_deal(sessions, rep, stage="proposal")
    with sessions() as session:
        assert (
            session.scalar(
                select(Opportunity.probability).where(Opportunity.team_id == rep.team_id, Opportunity.number == fresh)
            )
            == 60
        )


def test_an_edit_from_before_a_default_change_is_refused_as_stale(sessions, workspaces, rep, manager):
    number = make_deal(sessions, rep, stage="proposal")
    with sessions() as session:
        seen_version = session.scalar(select(Opportunity.version).where(Opportunity.number == number))
    run(sessions, service.set_stage_probability, manager, Stage.PROPOSAL, 55)
    from oppbot.domain.errors import Conflict

    with pytest.raises(Conflict), unit_of_work(sessions) as session:
        opportunities.move(session, manager, number, Stage.NEGOTIATION, expected_version=seen_version)


def test_stale_thresholds_are_stored_per_stage(sessions, workspaces, manager):
    change = run(sessions, service.set_stale_days, manager, Stage.NEGOTIATION, "5d")
    assert (change.before, change.after) == (3, 5)
    rules = run(sessions, load_rules, manager.team_id)
    assert rules.stale_days[Stage.NEGOTIATION] == 5 and rules.stale_days[Stage.LEAD] == 14


def test_managers_are_added_listed_and_removed_with_activity(sessions, workspaces, manager, rep, outsider):
    assert run(sessions, service.add_manager, manager, "U_ANA").changed
    assert not run(sessions, service.add_manager, manager, "U_ANA").changed
    run(sessions, service.add_manager, outsider, "U_ELSEWHERE")
    listed = run(sessions, service.list_managers, rep)
    assert [(m.user_id, m.added_by) for m in listed] == [("U_ANA", manager.user_id)]
    view = run(sessions, service.show_settings, rep)
    assert [m.user_id for m in view.managers] == ["U_ANA"]

    assert run(sessions, service.remove_manager, manager, "U_ANA").changed
    assert not run(sessions, service.remove_manager, manager, "U_ANA").changed
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Manager).where(Manager.team_id == rep.team_id)) == 0
        # Settings changes are activity, not deal notifications: nothing goes to the outbox.
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    kinds = [a.kind for a in activities(sessions, manager.team_id)]
    assert kinds == [service.MANAGER_ADDED, service.MANAGER_REMOVED]


def test_a_manager_cannot_remove_another_workspaces_manager(sessions, workspaces, manager, outsider):
    run(sessions, service.add_manager, outsider, "U_ELSEWHERE")
    assert not run(sessions, service.remove_manager, manager, "U_ELSEWHERE").changed
    assert [m.user_id for m in run(sessions, service.list_managers, outsider)] == ["U_ELSEWHERE"]
