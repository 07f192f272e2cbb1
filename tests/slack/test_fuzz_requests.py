"""Random and mutated signed requests for every registered action_id, callback_id, shortcut and subcommand.

Each request goes through the real WSGI application (front door, Bolt, listeners) with the fake Slack behind it;
listeners run inline (an executor that runs the task at once), so every effect has happened when the answer
arrives, and an exception before ack() is the 500 it would be in production. Asserted for every example:

- the answer is 2xx or 4xx, never 5xx;
- no change to another workspace's rows (every table, every row, and no new ones), nor to another user's rows in
  the fuzzing member's own workspace (their deals, notes, tasks, billables, the catalog, settings, managers,
  subscriptions, rates, history): a digest of those rows before and after.

The identifiers come from oppbot.slack.ids and the /opp command table, not from a list kept here. `make test` runs
a few hundred examples; `make fuzz` runs OPPBOT_FUZZ_EXAMPLES (10,000).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import traceback
import uuid
from concurrent.futures import Executor, Future
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fakeslack import FakeSlack, event_body, interactive_body, sign, slash_command_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integration.helpers import make_customer, make_deal
from sqlalchemy import func, select
from wsgi import SECRET, single_token_settings
from wsgi_client import call

from oppbot.db.base import Base
from oppbot.db.session import unit_of_work
from oppbot.domain.stages import Stage
from oppbot.services import billables, catalog, fx, opportunities, schedules, tasks
from oppbot.services import settings as workspace_settings
from oppbot.services.context import Actor
from oppbot.slack import ids
from oppbot.slack.listeners.commands import registry

EXAMPLES = int(os.environ.get("OPPBOT_FUZZ_EXAMPLES", "300"))
HOME, OTHER = "TFUZZHOME", "TFUZZOTHER"
FUZZER, OWNER, BOSS = "U_FUZZ", "U_OWNER", "U_BOSS"


class InlineExecutor(Executor):
    """Runs each listener at once on the request's thread: its effects are done when the answer is."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # Bolt's runner catches listener errors itself; keep any other one
            future.set_exception(exc)
        return future


# --- the identifiers, from the code ----------------------------------------------------------------------------------

ACTION_IDS = sorted({a.value for a in ids.Action} | {a.value for a in ids.BillingAction})
CALLBACK_IDS = sorted({c.value for c in ids.Callback} | {c.value for c in ids.BillingCallback})
BLOCK_IDS = sorted({b.value for b in ids.Block} | {b.value for b in ids.BillingBlock})
SUBCOMMANDS = sorted(registry())
SHORTCUT_IDS = [ids.Callback.MESSAGE_SHORTCUT.value]


# --- values: plausible ones, other workspaces' ids, and hostile ones ------------------------------------------------

NUMBERS = st.sampled_from(["1", "2", "3", "4", "0", "-1", "99", str(10**30), "2147483648", "1e3", " 7", "٣"])
ID_LIKE = st.one_of(NUMBERS, st.integers(min_value=1, max_value=40).map(str))
DEAL_VALUES = st.one_of(
    ID_LIKE,
    st.tuples(ID_LIKE, ID_LIKE).map(":".join),
    st.tuples(ID_LIKE, ID_LIKE, st.sampled_from(["prop", "won", "lost", "x", "U_OWNER", ""])).map(":".join),
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["<!channel>", "&lt;b&gt; &amp;", "<@U_OWNER>", "<https://x|y>", "\n\x00", "a" * 400, ""]),
)
JSON_ANY = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(TEXT, children, max_size=3)),
    max_leaves=6,
)
VALUE = st.one_of(DEAL_VALUES, TEXT, JSON_ANY)
METADATA = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "n": ID_LIKE.map(lambda s: int(s) if s.isdigit() else s),
            "v": ID_LIKE,
            "number": ID_LIKE,
            "service_id": ID_LIKE,
            "c": st.sampled_from(["C111", "C999"]),
            "ts": st.sampled_from(["1.2", "111.222"]),
            "r": st.sampled_from(["https://attacker.example/x", "http://127.0.0.1:1/x"]),
            "channel": st.sampled_from(["C111", None]),
        },
    ).map(json.dumps),
    TEXT,
    JSON_ANY.map(json.dumps),
)


ELEMENT_STATE = st.one_of(
    st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": st.one_of(st.none(), TEXT, NUMBERS)}),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["static_select", "external_select", "radio_buttons"]),
            "selected_option": st.one_of(
                st.none(), st.fixed_dictionaries({"value": st.one_of(DEAL_VALUES, TEXT, st.just("organization:1"))})
            ),
        }
    ),
    st.fixed_dictionaries({"type": st.just("users_select"), "selected_user": st.sampled_from([OWNER, FUZZER, "U9"])}),
    st.fixed_dictionaries({"type": st.just("datepicker"), "selected_date": st.sampled_from(["2030-01-01", "x"])}),
    st.fixed_dictionaries({"type": st.just("timepicker"), "selected_time": st.sampled_from(["09:00", "25:99"])}),
)
STATE_VALUES = st.dictionaries(st.sampled_from(BLOCK_IDS), ELEMENT_STATE, max_size=6).map(
    lambda values: {block: {f"{block}_input": state} for block, state in values.items()}
)


# --- payloads -------------------------------------------------------------------------------------------------------


def _who() -> dict:
    return {"id": FUZZER, "username": "fuzz", "name": "fuzz", "team_id": HOME}


@st.composite
def block_actions(draw, response_url: str) -> dict:
    action = {"action_id": draw(st.sampled_from(ACTION_IDS)), "type": draw(st.sampled_from(["button", "overflow"]))}
    action["action_ts"] = f"{time.time():.6f}"
    choice = draw(st.integers(0, 2))
    if choice == 0:
        action["value"] = draw(VALUE)
    elif choice == 1:
        action["selected_option"] = {"value": draw(VALUE)}
    else:
        action["selected_user"] = draw(st.sampled_from([OWNER, FUZZER]))
    action["block_id"] = draw(st.one_of(st.sampled_from(BLOCK_IDS), DEAL_VALUES.map(lambda v: f"row:{v}")))
    payload = {
        "type": "block_actions",
        "user": _who(),
        "team": {"id": HOME, "domain": "fuzz"},
        "api_app_id": "A111",
        "trigger_id": f"{uuid.uuid4().int % 10**9}.1.{uuid.uuid4().hex[:8]}",
        "actions": [action],
    }
    if draw(st.booleans()):
        payload["response_url"] = response_url
        payload["channel"] = {"id": "C111", "name": "sales"}
        payload["container"] = {"type": "message", "message_ts": "111.222", "channel_id": "C111"}
    else:
        payload["view"] = {"id": "V1", "hash": "h", "type": draw(st.sampled_from(["modal", "home"])), "state": {}}
        payload["view"]["private_metadata"] = draw(METADATA)
        payload["container"] = {"type": "view", "view_id": "V1"}
    return payload


@st.composite
def view_submission(draw) -> dict:
    return {
        "type": draw(st.sampled_from(["view_submission", "view_closed"])),
        "team": {"id": HOME, "domain": "fuzz"},
        "user": _who(),
        "api_app_id": "A111",
        "trigger_id": f"{uuid.uuid4().int % 10**9}.2.{uuid.uuid4().hex[:8]}",
        "view": {
            "id": "V2",
            "type": "modal",
            "team_id": HOME,
            "callback_id": draw(st.sampled_from(CALLBACK_IDS)),
            "private_metadata": draw(METADATA),
            "hash": "h",
            "blocks": [
                {"type": "input", "block_id": b} for b in draw(st.lists(st.sampled_from(BLOCK_IDS), max_size=3))
            ],
            "state": {"values": draw(STATE_VALUES)},
        },
        "response_urls": [],
    }


@st.composite
def shortcut(draw, response_url: str) -> dict:
    return {
        "type": draw(st.sampled_from(["message_action", "shortcut"])),
        "callback_id": draw(st.sampled_from(SHORTCUT_IDS)),
        "trigger_id": f"{uuid.uuid4().int % 10**9}.3.{uuid.uuid4().hex[:8]}",
        "team": {"id": HOME, "domain": "fuzz"},
        "user": _who(),
        "channel": {"id": "C111", "name": "sales"},
        "response_url": response_url,
        "message": {"type": "message", "text": draw(TEXT), "ts": "1.2"},
    }


@st.composite
def suggestion(draw) -> dict:
    return {
        "type": "block_suggestion",
        "team": {"id": HOME},
        "user": _who(),
        "action_id": draw(st.sampled_from([f"{b}_input" for b in BLOCK_IDS])),
        "block_id": draw(st.sampled_from(BLOCK_IDS)),
        "value": draw(TEXT),
        "view": {"id": "V3", "type": "modal", "callback_id": draw(st.sampled_from(CALLBACK_IDS))},
    }


def command_text() -> st.SearchStrategy[str]:
    words = st.one_of(
        st.sampled_from(SUBCOMMANDS),
        NUMBERS,
        st.sampled_from(
            ["#1", "#2", "OPP-3", "here", "now", "mine", "lost", "won", "prop", "add", "<@U_OWNER>", "off"]
        ),
        TEXT,
    )
    return st.tuples(st.sampled_from(SUBCOMMANDS), st.lists(words, max_size=5)).map(lambda t: " ".join([t[0], *t[1]]))


@st.composite
def mutated(draw, payload: dict) -> dict:
    """The payload with one field, at any depth, replaced by any JSON value (or removed)."""
    paths: list[tuple] = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((*path, key))
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                paths.append((*path, i))
                walk(value, (*path, i))

    walk(payload, ())
    if not paths:
        return payload
    path = draw(st.sampled_from(paths))
    if path[0] in ("user", "team") and len(path) > 1 and path[-1] in ("id", "team_id"):
        return payload  # acting as someone else is what a signature allows; the types are tested elsewhere
    clone = json.loads(json.dumps(payload))
    node = clone
    for key in path[:-1]:
        node = node[key]
    if draw(st.booleans()) and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = draw(JSON_ANY)
    return clone


# --- the world: two workspaces with data the fuzzing member may not touch ------------------------------------------


def seed(sessions, team: str) -> None:
    owner, boss = Actor(team, OWNER), Actor(team, BOSS, is_manager=True)
    customer = make_customer(sessions, owner, "Acme")
    mine = make_deal(sessions, owner, customer, assignee=OWNER, title="Owner's deal")
    make_deal(sessions, owner, customer, title="Unassigned")  # claimable by anyone: not checked
    won = make_deal(sessions, owner, customer, assignee=OWNER, title="Won deal")
    with unit_of_work(sessions) as session:
        opportunities.add_note(session, owner, mine, "owner's note")
        tasks.add_task(session, owner, mine, "owner's task", "2030-01-01", "09:00", tz="UTC")
        service = catalog.add_service(session, boss, "Consulting", "100", "USD")
        billables.add_billable(session, owner, won, service_id=service.id, quantity="2")
        opportunities.move(session, owner, won, Stage.CLOSED_WON)
        workspace_settings.add_manager(session, boss, "U_NAMED")
        schedules.subscribe(session, boss, "C111", schedules.DIGEST)
        fx.set_rate(session, boss, "EUR", "1.1", None, today=date(2026, 12, 1))


# Columns that a member's allowed action on someone else's row may change: a note stamps the deal's activity.
ALLOWED = {"opportunities": {"last_activity_at"}, "workspaces": {"next_deal_number", "updated_at"}}
# Rows in the home workspace that belong to everyone (and may grow): not part of "another user's data".
SHARED = {"organizations", "individuals", "outbox", "activity", "slack_users", "card_messages", "alert_states"}


def digest(sessions, id_ceiling: dict[str, int] | None = None) -> dict[str, dict]:
    """{table: {primary key: row hash}} for HOME rows owned by others and every OTHER row.

    With `id_ceiling` (the highest id of each table once seeded), HOME rows made later are not read: they are the
    fuzzer's own, and reading them would make each example slower than the last.
    """
    out: dict[str, dict] = {}
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            if "team_id" not in table.c:
                continue
            skip = ALLOWED.get(table.name, set())
            home = table.c.team_id == HOME
            if id_ceiling is not None and table.name in id_ceiling:
                home = home & (table.c.id <= id_ceiling[table.name])
            rows = {}
            for row in session.execute(select(table).where(home | (table.c.team_id == OTHER))).mappings():
                if row["team_id"] == HOME and not _others(table.name, row):
                    continue
                key = (row["team_id"], *(row[c.name] for c in table.primary_key.columns))
                kept = {k: v for k, v in row.items() if k not in skip}
                rows[key] = hashlib.sha256(repr(sorted(kept.items())).encode()).hexdigest()
            out[table.name] = rows
    return out


def id_ceilings(sessions) -> dict[str, int]:
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
            for table in Base.metadata.sorted_tables
            if "team_id" in table.c and "id" in table.c and [c.name for c in table.primary_key.columns] == ["id"]
        }


def _others(table: str, row) -> bool:
    if table in SHARED:
        return False
    if table == "opportunities":
        return row["assignee_id"] == OWNER
    if table == "tasks":
        return FUZZER not in (row["assignee_id"], row["created_by"])
    for column in ("author_id", "created_by", "changed_by", "added_by", "taken_by"):
        if column in row:
            return row[column] != FUZZER
    return True


def assert_untouched(before: dict, after: dict) -> None:
    for table, rows in before.items():
        now = after[table]
        for key, value in rows.items():
            assert now.get(key) == value, f"{table} {key} changed"
        others_new = [k for k in now if k not in rows and k[0] == OTHER]
        assert not others_new, f"new {table} rows in the other workspace: {others_new}"


# --- the test -------------------------------------------------------------------------------------------------------


@pytest.fixture
def world(db_url, sessions, monkeypatch):
    if db_url.startswith("postgresql"):
        pytest.skip("the fuzz runs on SQLite (its speed is examples per second); isolation is the same code")
    monkeypatch.setattr("oppbot.slack.app.listener_executor", InlineExecutor)
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    with FakeSlack(team_id=HOME) as fake:
        fake.users[BOSS] = {"is_admin": True}
        from oppbot.slack.app import build_app
        from oppbot.slack.server import wsgi_app

        app_settings = single_token_settings(fake, db_url)
        server = wsgi_app(build_app(app_settings, sessions=sessions), app_settings, sessions)
        for team in (HOME, OTHER):
            seed(sessions, team)
        yield fake, server, sessions


def send(server, body: bytes, content_type: str) -> int:
    status, _headers, _body = call(
        server, "POST", "/slack/events", body=body, headers={**sign(SECRET, body), "Content-Type": content_type}
    )
    return status


def request_strategy(response_url: str):
    form = "application/x-www-form-urlencoded"
    interactive = st.one_of(
        block_actions(response_url), view_submission(), shortcut(response_url), suggestion()
    ).flatmap(lambda p: st.one_of(st.just(p), mutated(p)))
    commands = command_text().map(
        lambda text: (
            slash_command_body(text, team_id=HOME, user_id=FUZZER, response_url=response_url, channel_id="C111"),
            form,
        )
    )
    events = st.fixed_dictionaries(
        {
            "type": st.sampled_from(["app_home_opened", "app_uninstalled", "tokens_revoked", "message"]),
            "user": st.sampled_from([FUZZER, OWNER]),
            "tab": st.sampled_from(["home", "messages"]),
            "channel": st.just("D1"),
        }
    ).map(lambda event: (event_body(event, team_id=HOME), "application/json"))
    raw = st.tuples(
        st.one_of(st.binary(max_size=200), JSON_ANY.map(lambda v: json.dumps(v).encode())),
        st.sampled_from([form, "application/json", "text/plain", "multipart/form-data"]),
    )
    return st.one_of(
        interactive.map(lambda p: (interactive_body(p), form)),
        interactive.map(lambda p: (urlencode({"payload": json.dumps(p)[:-1]}).encode(), form)),  # truncated JSON
        commands,
        events,
        raw,
    )


class Crashes(logging.Handler):
    """Listener failures after ack() (the user got "something went wrong"): counted by kind for the summary."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.kinds: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frame = traceback.extract_tb(error.__traceback__)[-1]
            kind = f"{type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}"
            self.kinds[kind] = self.kinds.get(kind, 0) + 1


def test_random_and_mutated_requests_never_500_and_never_touch_others_data(world):
    fake, server, sessions = world
    crashes = Crashes()
    logging.getLogger().addHandler(crashes)
    response_url = fake.response_url("fuzz")
    statuses: dict[int, int] = {}
    ceiling = id_ceilings(sessions)
    baseline = digest(sessions, ceiling)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=EXAMPLES <= 1000,  # the suite's run is the same every time; `make fuzz` explores
    )
    @given(request=request_strategy(response_url))
    def one(request):
        body, content_type = request
        status = send(server, body, content_type)
        statuses[status] = statuses.get(status, 0) + 1
        if EXAMPLES > 1000 and sum(statuses.values()) % 500 == 0:  # `make fuzz` runs long: show it moving
            print(f"fuzz: {sum(statuses.values())} requests, {dict(sorted(statuses.items()))}", flush=True)
        assert 200 <= status < 500, (status, body[:500])
        # Others' rows never change, so "before" is the seeded state for every example: one digest per request.
        assert_untouched(baseline, digest(sessions, ceiling))

    try:
        one()
    finally:
        logging.getLogger().removeHandler(crashes)
    print(f"\nfuzz: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    print(f"listener errors after ack (answered in words): {crashes.kinds or 'none'}")
    assert statuses.get(200, 0) > 0  # the fuzz reached the listeners, not only the front door's refusals
