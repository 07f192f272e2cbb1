"""Tenant isolation at the /opp level: workspace B asking about A's deal sees exactly what a missing deal shows.

Data-driven: add a template to COMMANDS as a subcommand lands. A command that doesn't exist yet answers
"I don't know…" in both cases, so the equality holds either way and the test starts biting the day it lands.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from integration.helpers import make_customer, make_deal
from sqlalchemy import func, select, update
from wsgi import dumps

from oppbot.db.base import Base, utcnow
from oppbot.db.models import Activity, Manager, Note, Opportunity, Workspace
from oppbot.db.session import unit_of_work
from oppbot.domain.periods import parse_period
from oppbot.services import billables, catalog, changes, fx, notifications, quotas, schedules, tasks
from oppbot.services.context import Actor
from oppbot.services.workspaces import ensure_workspace

TEAM_A, TEAM_B = "T111", "T222"
# Four digits each, the same width, that occur nowhere else in a reply, so one can stand for the other.
DEAL_NUMBER, MISSING_NUMBER = 4242, 7373
# A word only A's customer, service, task and title carry, and one of the same length that is nowhere.
WORD, MISSING_WORD = "Zanzibar", "Quixotic"

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
    "task {ref} 2030-01-01 call them",
    "task {ref}",
    "lost {ref} Price",
    "move {ref} lost Price",
    "bulk move {ref} prop",
    "bulk move {ref} lost Price",
    "bulk assign {ref} <@U_B_REP|rep>",
    "customer {word}",
    "search {word}",
    "list {word}",
    "catalog retire {sid}",
    "category {ref} commit",
    "category {ref} stage",
    "room {ref}",
]

# Commands that name no deal of A's: B's answer must carry none of A's titles, names, numbers or amounts.
OVERVIEWS = [
    "list",
    "list mine",
    "list all",
    "list lead",
    "list unassigned",
    "list overdue",
    "list stale",
    "list @U_A_REP",
    "pipeline",
    "forecast",
    "forecast 2020-01..2035-12",
    "forecast <@U_A_REP|rep>",
    "stats",
    "stats 2020-Q1",
    "fx",
    "notify",
    "digest",
    "digest show",
    "alerts",
    "alerts show",
    "catalog",
    "tasks",
    "managers",
    "help",
    "quota",
    "quota 2020-Q1",
    "changes",
    "changes last-week",
    "changes since 2020-01-01 2020-Q1",
    "forecast accuracy",
]
A_MARKERS = ("secret", str(DEAL_NUMBER), WORD.lower(), "987,654", "987654", "987.654", "1.2345", "c_a_sales")


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


@pytest.fixture
def all_of_a(inproc, deal_in_a) -> dict:
    """Beyond the deal: A's customer, service, task, billable, exchange rate, channel subscriptions and manager,
    every one carrying WORD or another marker B must never see."""
    sessions = inproc.sessions
    rep, boss = Actor(TEAM_A, "U_A_REP"), Actor(TEAM_A, "U_A_BOSS", is_manager=True)
    customer = make_customer(sessions, rep, f"{WORD} Holdings")
    make_deal(
        sessions,
        rep,
        customer,
        title=f"{WORD} big deal",
        value="987654",
        assignee="U_A_REP",
        expected_close="2020-01-31",
    )
    with unit_of_work(sessions) as session:
        session.add(Manager(team_id=TEAM_A, user_id="U_A_BOSS", added_by="U_A_ADMIN"))
        service = catalog.add_service(session, boss, f"{WORD} workshop", "1200", "USD")
        billables.add_billable(session, rep, DEAL_NUMBER, description=f"{WORD} line", quantity="1", unit_price="3")
        tasks.add_task(session, rep, DEAL_NUMBER, f"{WORD} follow-up", "2030-01-01", assignee_id="U_A_REP", tz="UTC")
        fx.set_rate(session, boss, "EUR", "1.2345", None, today=date.today())
        notifications.subscribe(session, boss, "C_A_SALES")
        schedules.subscribe(session, boss, "C111", schedules.DIGEST)
        schedules.subscribe(session, boss, "C111", schedules.ALERTS)
        quarter = parse_period("2020-Q1", date(2020, 1, 1))
        quotas.set_quota(session, boss, "U_A_REP", quarter, "987654", "USD")
        quotas.adjust(session, boss, "U_A_REP", quarter, "987654", f"{WORD} feeling")
        changes.take_weekly_snapshot(session, TEAM_A, utcnow())
        service_id = service.id
    return {"sid": service_id, "missing_sid": service_id + 100_000}


def normalised(seen: list[dict], number: int, word: str = WORD, sid: int | None = None) -> str:
    """What the user saw, with the deal number written as {n} (the word as {w}, the service id as {sid}), so
    replies about different references compare."""
    text = re.sub(rf"(?<!\d){number}(?!\d)", "{n}", dumps(seen))
    if sid is not None:
        text = re.sub(rf"(?<!\d){sid}(?!\d)", "{sid}", text)
    return re.sub(word, "{w}", text, flags=re.IGNORECASE)


def deal_state(sessions) -> tuple:
    with sessions() as session:
        opp = session.scalar(select(Opportunity).where(Opportunity.team_id == TEAM_A))
        return (
            opp.version,
            opp.stage,
            opp.assignee_id,
            opp.probability,
            opp.title,
            session.scalar(select(func.count()).select_from(Note).where(Note.team_id == TEAM_A)),
            session.scalar(select(func.count()).select_from(Activity).where(Activity.team_id == TEAM_A)),
        )


def rows_of_a(sessions) -> dict[str, list]:
    """Every row of every table that belongs to workspace A, as plain tuples."""
    out: dict[str, list] = {}
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if "team_id" in table.c:
                rows = session.execute(select(table).where(table.c.team_id == TEAM_A)).all()
                out[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return out


def differences_b_sees(inproc, user_id: str, ids: dict | None = None) -> list[str]:
    """Every command template whose answer to B about A's deal differs from its answer about no deal, or that
    changed any row of A's. One workspace set-up for all templates keeps this fast; each template is checked alone."""
    problems: list[str] = []
    ids = ids or {"sid": 1, "missing_sid": 100_001}
    for template in COMMANDS:
        before = rows_of_a(inproc.sessions)
        about_a = inproc.seen(
            template.format(ref=f"#{DEAL_NUMBER}", n=DEAL_NUMBER, word=WORD, sid=ids["sid"]),
            team_id=TEAM_B,
            user_id=user_id,
        )
        nowhere = inproc.seen(
            template.format(ref=f"#{MISSING_NUMBER}", n=MISSING_NUMBER, word=MISSING_WORD, sid=ids["missing_sid"]),
            team_id=TEAM_B,
            user_id=user_id,
        )
        with_sid = "{sid}" in template
        if normalised(about_a, DEAL_NUMBER, WORD, ids["sid"] if with_sid else None) != normalised(
            nowhere, MISSING_NUMBER, MISSING_WORD, ids["missing_sid"] if with_sid else None
        ):
            problems.append(f"{template!r}: B saw {dumps(about_a)[:300]} but for no deal {dumps(nowhere)[:300]}")
        if "secret" in dumps(about_a):
            problems.append(f"{template!r}: A's title leaked to B")
        if rows_of_a(inproc.sessions) != before:
            problems.append(f"{template!r}: B's command changed A's rows")
    return problems


def test_a_member_of_b_asking_about_a_deal_of_a_sees_what_a_missing_deal_shows(inproc, deal_in_a):
    assert differences_b_sees(inproc, user_id="U_B_REP") == []


def test_a_manager_of_b_sees_no_more_than_a_member(inproc, deal_in_a):
    inproc.fake.users["U_B_BOSS"] = {"is_admin": True}
    assert differences_b_sees(inproc, user_id="U_B_BOSS") == []


def test_with_all_of_a_s_rows_around_b_s_references_still_reach_nothing(inproc, all_of_a):
    inproc.fake.users["U_B_BOSS"] = {"is_admin": True}
    assert differences_b_sees(inproc, user_id="U_B_BOSS", ids=all_of_a) == []


@pytest.mark.parametrize("user_id", ["U_B_REP", "U_B_BOSS"])
def test_b_s_lists_forecasts_stats_rates_and_subscriptions_show_nothing_of_a(inproc, all_of_a, user_id):
    inproc.fake.users["U_B_BOSS"] = {"is_admin": True}
    before = rows_of_a(inproc.sessions)
    problems = []
    for text in OVERVIEWS:
        seen = dumps(inproc.seen(text, team_id=TEAM_B, user_id=user_id)).lower()
        problems += [f"/opp {text}: B saw {marker!r}" for marker in A_MARKERS if marker in seen]
    assert problems == []
    assert rows_of_a(inproc.sessions) == before


def test_b_s_digest_now_in_a_channel_a_subscribed_posts_b_s_figures_only(inproc, all_of_a):
    inproc.fake.users["U_B_BOSS"] = {"is_admin": True}
    inproc.command("digest now", team_id=TEAM_B, user_id="U_B_BOSS")
    posted = inproc.fake.wait_for("chat.postMessage", timeout=10)
    seen = dumps([c.args for c in posted]).lower()
    assert [marker for marker in A_MARKERS if marker in seen] == []


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
