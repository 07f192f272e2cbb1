"""Tenant isolation at the /opp level: workspace B asking about A's deal sees exactly what a missing deal shows.

Data-driven: add a template to COMMANDS as a subcommand lands. A command that doesn't exist yet answers
"I don't know…" in both cases, so the equality holds either way and the test starts biting the day it lands.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from oppbot.db.models import Activity, Manager, Note, Opportunity, Workspace
from oppbot.db.session import unit_of_work
from oppbot.services.context import Actor
from oppbot.services.workspaces import ensure_workspace

from integration.helpers import make_deal
from wsgi import dumps, fake_slack, inproc  # noqa: F401  (fixtures)

TEAM_A, TEAM_B = "T111", "T222"
# Four digits each, the same width, that occur nowhere else in a reply, so one can stand for the other.
DEAL_NUMBER, MISSING_NUMBER = 4242, 7373

COMMANDS = [
    "show {ref}",
    "show #{n}",
    "move {ref} prop",
    "move {ref} won",
    "claim {ref}",
    "assign {ref} <@U_B_REP|rep>",
    "unassign {ref}",
    "note {ref} hi from B",
    "won {ref}",
    "lost {ref}",
    "edit {ref}",
    "reset {ref}",
    "history {ref}",
    "billables {ref}",
    "invoice {ref}",
    "task {ref} call them tomorrow",
]


@pytest.fixture
def deal_in_a(inproc):
    """Deal #4242 in workspace A, assigned to A's rep; workspace B exists and has deals of its own."""
    sessions = inproc.sessions
    with unit_of_work(sessions) as session:
        ensure_workspace(session, TEAM_A, default_currency="USD")
        ensure_workspace(session, TEAM_B, default_currency="USD")
        session.execute(update(Workspace).where(Workspace.team_id == TEAM_A).values(next_deal_number=DEAL_NUMBER))
    number = make_deal(sessions, Actor(TEAM_A, "U_A_REP"), title="A's secret deal", assignee="U_A_REP")
    assert number == DEAL_NUMBER
    make_deal(sessions, Actor(TEAM_B, "U_B_REP"), title="B's own deal")
    return number


def normalised(seen: list[dict], number: int) -> str:
    """What the user saw, with the deal number written as {n}, so replies about different numbers compare."""
    return re.sub(rf"(?<!\d){number}(?!\d)", "{n}", dumps(seen))


def deal_state(sessions) -> tuple:
    with sessions() as session:
        opp = session.scalar(select(Opportunity).where(Opportunity.team_id == TEAM_A))
        return (
            opp.version, opp.stage, opp.assignee_id, opp.probability, opp.title,
            session.scalar(select(func.count()).select_from(Note).where(Note.team_id == TEAM_A)),
            session.scalar(select(func.count()).select_from(Activity).where(Activity.team_id == TEAM_A)),
        )


def differences_b_sees(inproc, user_id: str) -> list[str]:
    """Every command template whose answer to B about A's deal differs from its answer about no deal, or that
    changed A's deal. One workspace set-up for all templates keeps this fast; each template is checked alone."""
    problems: list[str] = []
    for template in COMMANDS:
        before = deal_state(inproc.sessions)
        about_a = inproc.seen(template.format(ref=f"#{DEAL_NUMBER}", n=DEAL_NUMBER), team_id=TEAM_B, user_id=user_id)
        nowhere = inproc.seen(
            template.format(ref=f"#{MISSING_NUMBER}", n=MISSING_NUMBER), team_id=TEAM_B, user_id=user_id
        )
        if normalised(about_a, DEAL_NUMBER) != normalised(nowhere, MISSING_NUMBER):
            problems.append(f"{template!r}: B saw {dumps(about_a)[:300]} but for no deal {dumps(nowhere)[:300]}")
        if "secret" in dumps(about_a):
            problems.append(f"{template!r}: A's title leaked to B")
        if deal_state(inproc.sessions) != before:
            problems.append(f"{template!r}: B's command changed A's deal")
    return problems


def test_a_member_of_b_asking_about_a_deal_of_a_sees_what_a_missing_deal_shows(inproc, deal_in_a):
    assert differences_b_sees(inproc, user_id="U_B_REP") == []


def test_a_manager_of_b_sees_no_more_than_a_member(inproc, deal_in_a):
    inproc.fake.users["U_B_BOSS"] = {"is_admin": True}
    assert differences_b_sees(inproc, user_id="U_B_BOSS") == []


def test_b_managers_cannot_remove_a_managers(inproc):
    with unit_of_work(inproc.sessions) as session:
        ensure_workspace(session, TEAM_A, default_currency="USD")
        session.add(Manager(team_id=TEAM_A, user_id="U_A_BOSS", added_by="U_A_ADMIN"))
    inproc.fake.users["U_B_BOSS"] = {"is_admin": True}
    reply = inproc.ask("managers remove <@U_A_BOSS>", team_id=TEAM_B, user_id="U_B_BOSS")
    assert "was not a named manager; nothing changed." in reply["text"]
    listed = inproc.ask("managers", team_id=TEAM_B, user_id="U_B_BOSS")
    assert "U_A_BOSS" not in dumps(listed)
    with inproc.sessions() as session:
        assert session.get(Manager, (TEAM_A, "U_A_BOSS")) is not None


def test_settings_of_b_never_touch_a(inproc, deal_in_a):
    inproc.fake.users["U_B_BOSS"] = {"is_admin": True}
    before = deal_state(inproc.sessions)
    assert "EUR" in inproc.ask("settings currency EUR", team_id=TEAM_B, user_id="U_B_BOSS")["text"]
    inproc.ask("settings probability lead 5", team_id=TEAM_B, user_id="U_B_BOSS")
    with inproc.sessions() as session:
        assert session.get(Workspace, TEAM_A).currency == "USD"
        assert session.get(Workspace, TEAM_A).stage_probabilities == {}
    assert deal_state(inproc.sessions) == before
