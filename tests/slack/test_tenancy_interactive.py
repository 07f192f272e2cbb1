"""Tenant isolation of every button, menu, modal submission and options request: workspace B pointing at A's ids.

Two workspaces share one deployment. Workspace A holds a deal, a second unassigned deal, a won deal with billables,
a catalog service, a task, a customer, an exchange rate and channel subscriptions, every one named with the word
"Zanzibar". B's manager then clicks, picks and submits with A's deal numbers, versions and row ids in the action
values, block_ids and private_metadata (what a forged payload can carry). After each request: every row of A is as
it was, and nothing B's user was shown or sent through Slack mentions A.

The Bolt app runs synchronously here (listeners finish before the HTTP answer), so "after" really is after.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pytest
from fakeslack import interactive_body
from fakeslack.signing import new_trigger_id
from integration.helpers import make_customer, make_deal
from sqlalchemy import select, update
from wsgi import InProcessSlack, dumps

from oppbot.db.base import Base
from oppbot.db.models import Individual, Organization, Workspace
from oppbot.db.session import unit_of_work
from oppbot.domain.opportunity import CustomerKind, CustomerRef
from oppbot.services import billables, catalog, fx, notifications, opportunities, schedules, tasks
from oppbot.services.context import Actor
from oppbot.services.workspaces import ensure_workspace
from oppbot.slack import metadata
from oppbot.slack.ids import Action, BillingAction, BillingBlock, BillingCallback, Block, Callback, input_action
from oppbot.slack.metadata import ViewMeta

TEAM_A, TEAM_B = "T111", "T222"
A_REP, A_BOSS = "U_A_REP", "U_A_BOSS"
B_REP, B_BOSS = "U_B_REP", "U_B_BOSS"
CHANNEL = "C111"
MARKER = "zanzibar"  # in every name, title and description of A's; B must never see it
N = 4242  # A's assigned deal; N + 1 unassigned; N + 2 won with billables


@pytest.fixture
def a(sync) -> dict:
    """Workspace A's rows (ids by name); workspace B has a deal of its own, #1."""
    sync.fake.users[B_BOSS] = {"is_admin": True}
    sessions = sync.sessions
    rep, boss = Actor(TEAM_A, A_REP), Actor(TEAM_A, A_BOSS, is_manager=True)
    with unit_of_work(sessions) as session:
        ensure_workspace(session, TEAM_A, default_currency="USD")
        ensure_workspace(session, TEAM_B, default_currency="USD")
        session.execute(update(Workspace).where(Workspace.team_id == TEAM_A).values(next_deal_number=N))
    customer = make_customer(sessions, rep, "Zanzibar Holdings")
    assert make_deal(sessions, rep, customer, title="Zanzibar secret deal", value="987654", assignee=A_REP) == N
    assert make_deal(sessions, rep, customer, title="Zanzibar unassigned deal") == N + 1
    assert make_deal(sessions, rep, customer, title="Zanzibar won deal", assignee=A_REP) == N + 2
    make_deal(
        sessions,
        Actor(TEAM_B, B_REP),
        make_customer(sessions, Actor(TEAM_B, B_REP), "Bee Corp"),
        title="B's own deal",
        assignee=B_REP,
    )
    with unit_of_work(sessions) as session:
        service = catalog.add_service(session, boss, "Zanzibar workshop", "1200", "USD")
        line = billables.add_billable(session, rep, N, description="Zanzibar line", quantity="2", unit_price="10")
        billables.add_billable(session, rep, N + 2, description="Zanzibar won line", quantity="1", unit_price="5")
        opportunities.close_won(session, rep, N + 2)
        task = tasks.add_task(session, rep, N, "Zanzibar follow-up", "2030-01-01", tz="UTC")
        fx.set_rate(session, boss, "EUR", "1.2345", None, today=date.today())
        notifications.subscribe(session, boss, "C_A_SALES")
        schedules.subscribe(session, boss, CHANNEL, schedules.DIGEST)
        schedules.subscribe(session, boss, CHANNEL, schedules.ALERTS)
        ids = {"service": service.id, "billable": line.billable.id, "task": task.id, "org": customer.id}
    sync.fake.reset()
    return ids


def rows_of_a(sessions) -> dict[str, list]:
    """Every row of every table that belongs to workspace A, as plain tuples."""
    out: dict[str, list] = {}
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if "team_id" not in table.c:
                continue
            rows = session.execute(select(table).where(table.c.team_id == TEAM_A)).all()
            out[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return out


def everything_slack_saw(fake) -> str:
    """Every Web API call and response_url post since the last reset, as one lower-cased string."""
    with fake._lock:
        seen = [{"method": c.method, "args": c.args} for c in fake.calls]
        seen += [{"response": r.body} for r in fake.responses]
    return dumps(seen).lower()


# --- payloads ----------------------------------------------------------------------------------------------------


def block_actions(action: dict, *, team: str = TEAM_B, user: str = B_BOSS, view: dict | None = None) -> dict:
    """Shape of payloads/block_actions.message_button.json, from workspace `team`."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {"type": "message", "message_ts": "111.222", "channel_id": CHANNEL, "is_ephemeral": True},
        "trigger_id": new_trigger_id(),
        "team": {"id": team, "domain": "b-domain"},
        "channel": {"id": CHANNEL, "name": "sales"},
        "response_url": None,
        "actions": [{"action_ts": f"{time.time():.6f}", "block_id": "b", **action}],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": "V999"}
        payload["view"] = view
        del payload["channel"]
    return payload


def button(action_id: str, value: str, block_id: str = "b") -> dict:
    return {
        "action_id": action_id,
        "type": "button",
        "value": value,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": "x"},
    }


def picked(action_id: str, value: str, kind: str = "static_select") -> dict:
    return {
        "action_id": action_id,
        "type": kind,
        "block_id": "b",
        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
    }


def clicks(ids: dict) -> list[tuple[str, dict]]:
    """(what, action) for every deal, billable, task, invoice, catalog and alert action, pointed at A's rows."""
    v = 1  # A's deals were never edited: every one is at version 1

    def listing(**state) -> str:  # the list pager's value
        return json.dumps(state)

    return [
        ("claim assigned", button(Action.CLAIM, f"{N}:{v}")),
        ("claim unassigned", button(Action.CLAIM, f"{N + 1}:{v}")),
        (
            "assign",
            {"action_id": Action.ASSIGN, "type": "users_select", "block_id": f"assign:{N}:{v}", "selected_user": B_REP},
        ),
        ("move", picked(Action.MOVE, f"{N}:{v}:{'proposal'}")),
        ("move to lost", picked(Action.MOVE, f"{N}:{v}:closed_lost")),
        ("won", button(Action.WON, f"{N}:{v}")),
        ("lost", button(Action.LOST, f"{N}:{v}")),
        ("edit", button(Action.EDIT, f"{N}:{v}")),
        ("note", button(Action.NOTE, f"{N}:{v}")),
        ("reset probability", button(Action.RESET_PROBABILITY, f"{N}:{v}")),
        *[
            (f"row menu {verb}", picked(Action.ROW_MENU, f"{verb}:{N + (verb == 'claim')}:{v}", "overflow"))
            for verb in ("show", "claim", "won", "lost", "edit", "note")
        ],
        ("list page searching A's word", button(f"{Action.LIST_PAGE}:next", listing(q="secret", p=0))),
        ("list page of A's rep", button(f"{Action.LIST_PAGE}:prev", listing(a=A_REP, p=0))),
        ("list stage", button(f"{Action.LIST_STAGE}:lead", listing(s=["lead"]))),
        ("home finder", picked(Action.HOME_FIND, f"deal:{N}", "external_select")),
        ("home new", button(Action.HOME_NEW, "new")),
        ("alert snooze", button(Action.ALERT_SNOOZE, str(N))),
        ("alert close date", button(Action.ALERT_CLOSE_DATE, str(N))),
        ("alert lost", button(Action.ALERT_LOST, str(N))),
        ("alert claim", button(Action.ALERT_CLAIM, str(N + 1))),
        ("add catalog line", button(BillingAction.ADD_SERVICE, str(N))),
        ("add custom line", button(BillingAction.ADD_LINE, str(N))),
        ("remove line", button(BillingAction.REMOVE_LINE, str(ids["billable"]))),
        ("generate invoice", button(BillingAction.GENERATE_INVOICE, str(N + 2))),
        ("set value to total", button(BillingAction.SET_VALUE, str(N))),
        ("add task", button(BillingAction.ADD_TASK, str(N))),
        ("task done", button(BillingAction.TASK_DONE, str(ids["task"]), f"task_{ids['task']}")),
        ("task done on a reminder", button(BillingAction.TASK_DONE, str(ids["task"]), f"task_reminder_{ids['task']}")),
        ("task snooze", button(BillingAction.TASK_SNOOZE, str(ids["task"]), f"task_{ids['task']}")),
        ("edit service", button(BillingAction.SERVICE_EDIT, str(ids["service"]))),
        ("add service", button(BillingAction.SERVICE_ADD, "new")),
    ]


def send(sync: InProcessSlack, payload: dict) -> tuple[int, bytes]:
    if payload.get("type") == "block_actions":
        payload = {**payload, "response_url": sync.fake.response_url(uuid.uuid4().hex)}
    status, _headers, body = sync.post(interactive_body(payload))
    return status, body


def problems_after(sync: InProcessSlack, what: str, payload: dict, before: dict) -> list[str]:
    sync.fake.reset()
    status, body = send(sync, payload)
    found = []
    if status != 200:
        found.append(f"{what}: HTTP {status}")
    if MARKER in body.decode(errors="replace").lower() or MARKER in everything_slack_saw(sync.fake):
        found.append(f"{what}: A's data reached B: {everything_slack_saw(sync.fake)[:600]}")
    if "something went wrong" in everything_slack_saw(sync.fake):
        found.append(f"{what}: an unexpected error instead of an answer")
    after = rows_of_a(sync.sessions)
    changed = [table for table in after if after[table] != before.get(table)]
    if changed:
        found.append(f"{what}: changed A's {changed}")
    return found


def test_every_button_and_menu_of_b_aimed_at_a_s_rows_changes_and_shows_nothing_of_a(sync, a):
    before = rows_of_a(sync.sessions)
    problems = []
    for what, action in clicks(a):
        problems += problems_after(sync, what, block_actions(action), before)
    assert problems == []


def test_a_click_carrying_a_s_team_in_the_user_still_acts_in_the_payload_team(sync, a):
    """Slack puts the team in two places; a forged user.team_id naming A must not pull the click into A."""
    before = rows_of_a(sync.sessions)
    problems = []
    for what, action in clicks(a):
        payload = block_actions(action)
        payload["user"]["team_id"] = TEAM_A
        problems += problems_after(sync, what, payload, before)
    assert problems == []


def test_a_member_of_b_gets_no_further_than_a_manager(sync, a):
    before = rows_of_a(sync.sessions)
    problems = []
    for what, action in clicks(a):
        problems += problems_after(sync, what, block_actions(action, user=B_REP), before)
    assert problems == []


def test_b_clicking_a_s_deal_reads_like_a_missing_deal(sync, a):
    """The answer about A's #4242 is the answer about #7373, which exists nowhere."""

    def answer(number: int) -> str:
        sync.fake.reset()
        send(sync, block_actions(button(Action.CLAIM, f"{number}:1")))
        return dumps([r.body for r in sync.fake.responses]).replace(str(number), "{n}")

    assert answer(N) == answer(7373)
    assert "There is no deal" in answer(N)


# --- modal submissions -------------------------------------------------------------------------------------------


def view_submission(
    callback_id: str,
    metadata: str,
    values: dict,
    *,
    team: str = TEAM_B,
    user: str = B_BOSS,
    blocks: list[str] | None = None,
) -> dict:
    """Shape of payloads/view_submission.json, from workspace `team`."""
    block_ids = blocks or list(values)
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "b-domain"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
        "api_app_id": "A111",
        "token": "verification_token",
        "trigger_id": new_trigger_id(),
        "view": {
            "id": "V123",
            "team_id": team,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "hash": "1.x",
            "title": {"type": "plain_text", "text": "Form"},
            "blocks": [
                {
                    "type": "input",
                    "block_id": b,
                    "label": {"type": "plain_text", "text": b},
                    "element": {"type": "plain_text_input", "action_id": f"{b}_input"},
                }
                for b in block_ids
            ],
            "state": {"values": values},
        },
        "response_urls": [],
    }


def text_value(block: str, value: str | None, action_id: str | None = None) -> dict:
    return {block: {action_id or f"{block}_input": {"type": "plain_text_input", "value": value}}}


def select_value(block: str, value: str | None, kind: str = "static_select", action_id: str | None = None) -> dict:
    return {
        block: {action_id or f"{block}_input": {"type": kind, "selected_option": {"value": value} if value else None}}
    }


def deal_values(customer: str) -> dict:
    return {
        **text_value(Block.TITLE, "Forged"),
        **select_value(Block.CUSTOMER, customer, "external_select"),
        **text_value(Block.VALUE, "1"),
        **select_value(Block.CURRENCY, "USD", "external_select"),
        **select_value(Block.STAGE, "lead"),
        **text_value(Block.PROBABILITY, None),
        Block.EXPECTED_CLOSE.value: {
            input_action(Block.EXPECTED_CLOSE): {"type": "datepicker", "selected_date": "2030-01-01"}
        },
        **text_value(Block.DESCRIPTION, None),
        **text_value(Block.EXTERNAL_REF, None),
        Block.ASSIGNEE.value: {input_action(Block.ASSIGNEE): {"type": "users_select", "selected_user": None}},
    }


def signed(t: str, n: int | None = None, v: int | None = None, c: str | None = None) -> str:
    """private_metadata as the server signs it: these forgeries pass the signature and meet the tenant checks."""
    return metadata.encode(ViewMeta(team_id=t, number=n, version=v, channel_id=c))


def submissions(ids: dict) -> list[tuple[str, dict]]:
    """(what, payload) for every callback_id, private_metadata or a picked option pointing into A."""
    a_org = CustomerRef(CustomerKind.ORGANIZATION, ids["org"]).encode()
    loss = {**select_value(Block.LOSS_REASON, "Price"), **text_value(Block.LOSS_NOTE, None)}
    meta = signed
    return [
        ("create claiming team A", view_submission(Callback.CREATE_DEAL, meta(t=TEAM_A), deal_values(a_org))),
        ("create with A's customer picked", view_submission(Callback.CREATE_DEAL, meta(t=TEAM_B), deal_values(a_org))),
        ("edit of A's deal", view_submission(Callback.EDIT_DEAL, meta(t=TEAM_B, n=N, v=1), deal_values(a_org))),
        (
            "edit of A's deal claiming team A",
            view_submission(Callback.EDIT_DEAL, meta(t=TEAM_A, n=N, v=1), deal_values(a_org)),
        ),
        ("loss of A's deal", view_submission(Callback.LOSS_REASON, meta(t=TEAM_B, n=N, v=1), loss)),
        ("loss claiming team A", view_submission(Callback.LOSS_REASON, meta(t=TEAM_A, n=N, v=1), loss)),
        ("note on A's deal", view_submission(Callback.NOTE, meta(t=TEAM_B, n=N), text_value(Block.NOTE, "hi"))),
        ("note claiming team A", view_submission(Callback.NOTE, meta(t=TEAM_A, n=N), text_value(Block.NOTE, "hi"))),
        (
            "customer claiming team A",
            view_submission(
                Callback.CUSTOMER_NEW,
                meta(t=TEAM_A),
                {
                    **select_value(Block.CUSTOMER_KIND, "organization"),
                    **text_value(Block.CUSTOMER_NAME, "Forged Org"),
                    **text_value(Block.CUSTOMER_DOMAIN, None),
                    **text_value(Block.CUSTOMER_EMAIL, None),
                    **text_value(Block.CUSTOMER_PHONE, None),
                },
            ),
        ),
        (
            "close date of A's deal",
            view_submission(
                Callback.ALERT_CLOSE_DATE,
                signed(t=TEAM_B, n=N, c=CHANNEL),
                {
                    Block.EXPECTED_CLOSE.value: {
                        input_action(Block.EXPECTED_CLOSE): {"type": "datepicker", "selected_date": "2031-02-03"}
                    }
                },
            ),
        ),
        (
            "billable on A's deal",
            view_submission(
                BillingCallback.BILLABLE_ADD,
                signed(t=TEAM_B, n=N, c=CHANNEL),
                {
                    **text_value(BillingBlock.DESCRIPTION, "Forged"),
                    **text_value(BillingBlock.QUANTITY, "1"),
                    **text_value(BillingBlock.UNIT_PRICE, "1"),
                },
            ),
        ),
        (
            "A's catalog service on B's deal",
            view_submission(
                BillingCallback.BILLABLE_ADD,
                signed(t=TEAM_B, n=1, c=CHANNEL),
                {
                    **select_value(BillingBlock.SERVICE, str(ids["service"])),
                    **text_value(BillingBlock.QUANTITY, "1"),
                    **text_value(BillingBlock.DESCRIPTION, None),
                    **text_value(BillingBlock.UNIT_PRICE, None),
                },
            ),
        ),
        (
            "task on A's deal",
            view_submission(
                BillingCallback.TASK_ADD,
                signed(t=TEAM_B, n=N),
                {
                    **text_value(BillingBlock.TASK_TITLE, "Forged"),
                    BillingBlock.TASK_DUE_DATE.value: {"d": {"type": "datepicker", "selected_date": "2030-01-01"}},
                },
            ),
        ),
        (
            "edit of A's catalog service",
            view_submission(
                BillingCallback.SERVICE_SAVE,
                metadata.encode(ViewMeta(team_id=TEAM_B, service_id=ids["service"])),
                {
                    **text_value(BillingBlock.SERVICE_NAME, "Forged"),
                    **text_value(BillingBlock.SERVICE_PRICE, "1"),
                    **text_value(BillingBlock.SERVICE_CURRENCY, "USD"),
                },
            ),
        ),
    ]


def test_every_modal_submission_of_b_pointing_into_a_is_refused_and_changes_nothing(sync, a):
    before = rows_of_a(sync.sessions)
    problems = []
    for what, payload in submissions(a):
        sync.fake.reset()
        status, body = send(sync, payload)
        answer = json.loads(body or b"{}") if body.startswith(b"{") else {}
        if status != 200 or answer.get("response_action") != "errors":
            problems.append(f"{what}: expected inline errors, got {status} {body[:300]!r}")
        if MARKER in body.decode().lower() or MARKER in everything_slack_saw(sync.fake):
            problems.append(f"{what}: A's data reached B")
        after = rows_of_a(sync.sessions)
        changed = [table for table in after if after[table] != before.get(table)]
        if changed:
            problems.append(f"{what}: changed A's {changed}")
    assert problems == []


def test_a_submission_about_a_s_deal_reads_like_one_about_a_missing_deal(sync, a):
    def answer(number: int) -> str:
        payload = view_submission(Callback.NOTE, signed(t=TEAM_B, n=number), text_value(Block.NOTE, "hi"))
        return send(sync, payload)[1].decode().replace(str(number), "{n}")

    assert answer(N) == answer(7373)
    assert "no deal" in answer(N).lower()


def test_private_metadata_naming_a_never_makes_a_submission_act_in_a(sync, a):
    """The payload's team is the truth: a form whose metadata claims A is refused, and never writes into A."""
    with sync.sessions() as session:
        orgs_before = set(session.scalars(select(Organization.name)))
        people_before = set(session.scalars(select(Individual.name)))
    _, body = send(sync, submissions(a)[8][1])  # the customer modal, metadata claiming A, from B
    assert json.loads(body)["response_action"] == "errors"
    with sync.sessions() as session:
        assert set(session.scalars(select(Organization.name))) == orgs_before
        assert set(session.scalars(select(Individual.name))) == people_before


def test_the_same_forms_from_b_about_b_s_own_rows_do_work(sync, a):
    """The refusals above are about the tenant, not broken payloads: B's own deal takes the same note form."""
    payload = view_submission(Callback.NOTE, signed(t=TEAM_B, n=1), text_value(Block.NOTE, "B's note"))
    _, body = send(sync, payload)
    assert not body.strip(b"{} \n") or json.loads(body).get("response_action") != "errors", body
    with sync.sessions() as session:
        from oppbot.db.models import Note

        assert session.scalar(select(Note.body).where(Note.team_id == TEAM_B)) == "B's note"


# --- options (block_suggestion) ----------------------------------------------------------------------------------


def suggestion(action_id: str, value: str, block_id: str, *, team: str = TEAM_B) -> dict:
    return {
        "type": "block_suggestion",
        "user": {"id": B_BOSS, "username": "b", "name": "b", "team_id": team},
        "container": {"type": "view", "view_id": "V1"},
        "api_app_id": "A111",
        "token": "verification_token",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": team, "domain": "b-domain"},
        "view": {
            "id": "V1",
            "team_id": team,
            "type": "modal",
            "private_metadata": signed(t=TEAM_A),
            "callback_id": Callback.CREATE_DEAL.value,
            "blocks": [],
            "state": {"values": {}},
        },
    }


@pytest.mark.parametrize(
    ("action_id", "block_id", "typed"),
    [
        (input_action(Block.CUSTOMER), Block.CUSTOMER.value, "Zan"),
        (input_action(Block.CUSTOMER), Block.CUSTOMER.value, ""),
        (input_action(Block.CURRENCY), Block.CURRENCY.value, "E"),
        (Action.HOME_FIND.value, Block.HOME_ACTIONS.value, "Zanzibar"),
        (Action.HOME_FIND.value, Block.HOME_ACTIONS.value, f"#{N}"),
        (Action.HOME_FIND.value, Block.HOME_ACTIONS.value, str(N + 1)),
        (Action.HOME_FIND.value, Block.HOME_ACTIONS.value, ""),
    ],
)
def test_pickers_asked_from_b_never_offer_a_s_customers_or_deals(sync, a, action_id, block_id, typed):
    before = rows_of_a(sync.sessions)
    status, body = send(sync, suggestion(action_id, typed, block_id))
    assert status == 200
    assert MARKER not in body.decode().lower() and f"{N}" not in body.decode()
    assert rows_of_a(sync.sessions) == before


def test_b_s_deal_finder_still_finds_b_s_own_deal(sync, a):
    _, body = send(sync, suggestion(Action.HOME_FIND.value, "own", Block.HOME_ACTIONS.value))
    assert "B's own deal" in body.decode()


# --- App Home and the message shortcut ---------------------------------------------------------------------------


def test_the_home_tab_of_a_user_id_a_also_knows_shows_b_s_deals_only(sync, a):
    """Even when B's event names a user id that holds deals in A, the Home tab is built from B's rows."""
    from fakeslack import event_body

    before = rows_of_a(sync.sessions)
    body = event_body(
        {"type": "app_home_opened", "user": A_REP, "channel": "D1", "tab": "home", "event_ts": f"{time.time():.6f}"},
        team_id=TEAM_B,
    )
    status, _headers, _ = sync.post(body)
    assert status == 200
    published = dumps([c.args for c in sync.fake.wait_for("views.publish")]).lower()
    assert '"team_id": "t222"' in published
    assert MARKER not in published and str(N) not in published and "987,654" not in published
    assert rows_of_a(sync.sessions) == before


def test_the_message_shortcut_from_b_opens_a_form_bound_to_b(sync, a):
    payload = {
        "type": "message_action",
        "callback_id": Callback.MESSAGE_SHORTCUT.value,
        "trigger_id": new_trigger_id(),
        "team": {"id": TEAM_B, "domain": "b-domain"},
        "user": {"id": B_REP, "name": "b", "team_id": TEAM_A},
        "channel": {"id": CHANNEL, "name": "sales"},
        "message": {"type": "message", "text": "Zanzibar renewal"},
        "message_ts": "1.2",
        "response_url": sync.fake.response_url(),
        "api_app_id": "A111",
        "token": "x",
    }
    assert send(sync, payload)[0] == 200
    opened = [c.args["view"] for c in sync.fake.calls if c.method in ("views.open", "views.update")]
    assert opened and all(metadata.decode(view["private_metadata"]).team_id == TEAM_B for view in opened)
