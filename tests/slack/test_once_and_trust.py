"""Every request runs once; forms' metadata can't be forged; what the user is told is what happened.

Through build_app()'s WSGI app with Bolt's listener runner made synchronous (a request returns when its listener is
done), on SQLite and PostgreSQL, against the fake Slack.
"""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from fakeslack import event_body, interactive_body, sign, slash_command_body
from fakeslack.signing import new_trigger_id
from integration.helpers import form_values, make_customer, make_deal
from sqlalchemy import func, select
from wsgi import SECRET, InProcessSlack
from wsgi_client import call

from oppbot.db.models import CardMessage, HandledRequest, Note, Opportunity, OutboxEvent
from oppbot.db.session import unit_of_work
from oppbot.services import once
from oppbot.services.context import Actor
from oppbot.slack.blocks import modals

TEAM, USER, CHANNEL = "T111", "U_REP", "C111"
ME = Actor(TEAM, USER)


def deliver(sync: InProcessSlack, body: bytes, headers: dict, **extra: str) -> int:
    """The same signed bytes, as a proxy or Slack would resend them (`extra`: retry headers)."""
    return call(sync.server, "POST", "/slack/events", body=body, headers={**headers, **extra})[0]


def count(sync: InProcessSlack, model, *where) -> int:
    with sync.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def note_command(sync: InProcessSlack, number: int, text: str = "Sent the quote") -> tuple[bytes, dict, str]:
    key = uuid.uuid4().hex
    body = slash_command_body(
        f"note {number} {text}",
        team_id=TEAM,
        user_id=USER,
        channel_id=CHANNEL,
        response_url=sync.fake.response_url(key),
    )
    return body, dict(sign(SECRET, body)), key


def submission(view: dict, values: dict, *, view_id: str = "V_ONCE") -> bytes:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "d"},
        "user": {"id": USER, "team_id": TEAM},
        "api_app_id": "A111",
        "trigger_id": new_trigger_id(),
        "view": {**view, "id": view_id, "team_id": TEAM, "hash": "1.h", "state": {"values": values}},
        "response_urls": [],
    }
    return interactive_body(payload)


def create_values(customer_ref: str, title: str = "Acme renewal", value: str = "1000") -> dict:
    return form_values(
        title=title, customer=customer_ref, value=value, currency="USD", stage="lead", expected_close="2030-01-31"
    )


# --- every request runs once -------------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_headers", [{}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}])
def test_the_same_note_command_delivered_twice_stores_one_note_and_replies_once(sync, retry_headers):
    number = make_deal(sync.sessions, ME)
    body, headers, key = note_command(sync, number)
    assert deliver(sync, body, headers) == 200
    assert deliver(sync, body, headers, **retry_headers) == 200
    assert count(sync, Note, Note.team_id == TEAM) == 1
    assert len(sync.fake.responses_to(key)) == 1


def test_a_resent_command_with_a_fresh_signature_timestamp_is_still_the_same_command(sync):
    """A client retry signs again; the body (with its one-time trigger_id) says it is the same invocation."""
    number = make_deal(sync.sessions, ME)
    body, headers, _ = note_command(sync, number)
    assert deliver(sync, body, headers) == 200
    assert deliver(sync, body, dict(sign(SECRET, body, timestamp=int(headers["X-Slack-Request-Timestamp"]) + 7))) == 200
    assert count(sync, Note, Note.team_id == TEAM) == 1


def test_the_same_text_typed_again_is_a_new_command_and_runs_again(sync):
    number = make_deal(sync.sessions, ME)
    for _ in range(2):
        body, headers, _ = note_command(sync, number)
        assert deliver(sync, body, headers) == 200
    assert count(sync, Note, Note.team_id == TEAM) == 2


def test_the_same_note_command_delivered_concurrently_stores_one_note(sync):
    number = make_deal(sync.sessions, ME)
    body, headers, _ = note_command(sync, number)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(deliver(sync, body, headers))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    assert count(sync, Note, Note.team_id == TEAM) == 1
    assert count(sync, HandledRequest, HandledRequest.team_id == TEAM) == 1


@pytest.mark.parametrize("retry_headers", [{}, {"X-Slack-Retry-Num": "1"}])
def test_the_same_create_submission_twice_makes_one_deal_and_one_announcement(sync, retry_headers):
    customer = make_customer(sync.sessions, ME)
    view = modals.create_deal_modal(team_id=TEAM, channel_id=CHANNEL)
    body = submission(view, create_values(customer.encode()))
    headers = dict(sign(SECRET, body))
    assert deliver(sync, body, headers) == 200
    assert deliver(sync, body, headers, **retry_headers) == 200
    assert count(sync, Opportunity, Opportunity.team_id == TEAM) == 1
    assert count(sync, OutboxEvent, OutboxEvent.team_id == TEAM, OutboxEvent.kind == "created") == 1
    told = [c for c in sync.fake.calls_to("chat.postEphemeral") if "Created deal" in json.dumps(c.args)]
    assert len(told) == 1


def test_the_same_create_submission_delivered_concurrently_makes_one_deal(sync):
    customer = make_customer(sync.sessions, ME)
    body = submission(modals.create_deal_modal(team_id=TEAM, channel_id=CHANNEL), create_values(customer.encode()))
    headers = dict(sign(SECRET, body))
    threads = [threading.Thread(target=deliver, args=(sync, body, headers)) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert count(sync, Opportunity, Opportunity.team_id == TEAM) == 1
    assert count(sync, OutboxEvent, OutboxEvent.team_id == TEAM, OutboxEvent.kind == "created") == 1


def test_a_form_refused_once_can_be_corrected_and_submitted(sync):
    """A refusal claims nothing: the same form with a fixed value goes through."""
    customer = make_customer(sync.sessions, ME)
    view = modals.create_deal_modal(team_id=TEAM, channel_id=CHANNEL)
    bad = submission(view, create_values(customer.encode(), value="lots"))
    status, _, answer = call(sync.server, "POST", "/slack/events", body=bad, headers=dict(sign(SECRET, bad)))
    assert status == 200 and json.loads(answer)["response_action"] == "errors"
    good = submission(view, create_values(customer.encode()))
    assert deliver(sync, good, dict(sign(SECRET, good))) == 200
    assert count(sync, Opportunity, Opportunity.team_id == TEAM) == 1


@pytest.mark.parametrize("retry_headers", [{}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}])
def test_the_same_event_delivered_twice_is_handled_once(sync, retry_headers):
    body = event_body(
        {"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home", "event_ts": "1.1"},
        team_id=TEAM,
        event_id="EvONCE1",
    )
    headers = {**sign(SECRET, body), "Content-Type": "application/json"}
    assert deliver(sync, body, headers) == 200
    assert deliver(sync, body, headers, **retry_headers) == 200
    assert len(sync.fake.calls_to("views.publish")) == 1


def test_expired_keys_are_purged_and_recent_ones_kept(sessions):
    from datetime import timedelta

    from oppbot.db.base import utcnow

    with unit_of_work(sessions) as session:
        session.add(HandledRequest(key="old", team_id=TEAM, kind="command", handled_at=utcnow() - timedelta(days=2)))
        session.add(HandledRequest(key="new", team_id=TEAM, kind="command", handled_at=utcnow()))
    with unit_of_work(sessions) as session:
        assert once.purge(session) == 1
    with sessions() as session:
        assert session.scalars(select(HandledRequest.key)).all() == ["new"]


# --- private_metadata can't be forged ----------------------------------------------------------------------------


def _forged(raw: str, **changes) -> str:
    """The metadata with a field changed and the old signature kept: what a tampering client can send."""
    import base64

    version, payload, signature = raw.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{version}.{encoded}.{signature}"


@pytest.mark.parametrize(
    "changes",
    [{"r": "https://attacker.example/hook"}, {"c": "C_ELSEWHERE", "ts": "1700000000.000200"}, {"n": 2}, {"t": "T999"}],
)
def test_tampered_metadata_is_refused_with_a_clear_message_and_no_outgoing_request(sync, changes):
    number = make_deal(sync.sessions, ME)
    make_deal(sync.sessions, ME)
    view = modals.loss_reason_modal(
        team_id=TEAM, number=number, version=1, deal_title="x", reasons=("Price",), origin={"response_url": "u"}
    )
    view["private_metadata"] = _forged(view["private_metadata"], **changes)
    body = submission(view, form_values(loss_reason="Price"))
    sync.fake.reset()
    status, _, answer = call(sync.server, "POST", "/slack/events", body=body, headers=dict(sign(SECRET, body)))
    assert status == 200
    errors = json.loads(answer)["errors"]
    assert "could not be verified" in " ".join(errors.values())
    assert sync.fake.calls == [] and sync.fake.responses == []
    with sync.sessions() as session:
        assert {o.stage for o in session.scalars(select(Opportunity))} == {"lead"}


def test_a_signed_form_naming_a_message_that_is_not_the_deals_card_updates_nothing(sync):
    """channel/ts come from the deal's recorded messages: a form naming any other message refreshes nothing."""
    number = make_deal(sync.sessions, ME)
    view = modals.loss_reason_modal(
        team_id=TEAM,
        number=number,
        version=1,
        deal_title="x",
        reasons=("Price",),
        origin={"channel": "C_GENERAL", "ts": "1700000000.000100"},
    )
    body = submission(view, form_values(loss_reason="Price"))
    assert deliver(sync, body, dict(sign(SECRET, body))) == 200
    assert sync.fake.calls_to("chat.update") == []
    with sync.sessions() as session:
        assert session.scalar(select(Opportunity.stage).where(Opportunity.team_id == TEAM)) == "closed_lost"


def test_a_form_naming_the_deals_recorded_card_refreshes_it(sync):
    number = make_deal(sync.sessions, ME)
    with unit_of_work(sync.sessions) as session:
        opp = session.scalar(select(Opportunity).where(Opportunity.team_id == TEAM))
        session.add(CardMessage(team_id=TEAM, opportunity_id=opp.id, channel_id="C_CARD", ts="1700000000.000300"))
    view = modals.loss_reason_modal(
        team_id=TEAM,
        number=number,
        version=1,
        deal_title="x",
        reasons=("Price",),
        origin={"channel": "C_CARD", "ts": "1700000000.000300"},
    )
    body = submission(view, form_values(loss_reason="Price"))
    assert deliver(sync, body, dict(sign(SECRET, body))) == 200
    updates = sync.fake.calls_to("chat.update")
    assert [(c.args["channel"], c.args["ts"]) for c in updates] == [("C_CARD", "1700000000.000300")]


# --- the outcome told is the outcome that happened ---------------------------------------------------------------


def test_a_failure_after_the_note_was_saved_says_it_was_saved(sync, monkeypatch):
    number = make_deal(sync.sessions, ME)

    def broken_card(*args, **kwargs):
        raise RuntimeError("the card could not be read")

    monkeypatch.setattr("oppbot.slack.listeners.commands.deals.deal_card_message", broken_card)
    body, headers, key = note_command(sync, number)
    assert deliver(sync, body, headers) == 200
    reply = sync.fake.wait_for_responses(1, key=key)[0].body["text"]
    assert count(sync, Note, Note.team_id == TEAM) == 1
    assert "was saved" in reply and "nothing was changed" not in reply


def test_a_failure_before_anything_was_saved_says_nothing_was_changed(sync, monkeypatch):
    number = make_deal(sync.sessions, ME)

    def broken_note(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("oppbot.services.opportunities.add_note", broken_note)
    body, headers, key = note_command(sync, number)
    assert deliver(sync, body, headers) == 200
    reply = sync.fake.wait_for_responses(1, key=key)[0].body["text"]
    assert count(sync, Note, Note.team_id == TEAM) == 0
    assert "nothing was changed" in reply


def test_a_submission_whose_confirmation_fails_after_the_save_says_it_was_saved(sync, monkeypatch):
    customer = make_customer(sync.sessions, ME)

    def broken_card(*args, **kwargs):
        raise RuntimeError("the card could not be read")

    monkeypatch.setattr("oppbot.slack.listeners.views.submissions.deal_card", broken_card)
    body = submission(modals.create_deal_modal(team_id=TEAM, channel_id=CHANNEL), create_values(customer.encode()))
    assert deliver(sync, body, dict(sign(SECRET, body))) == 200
    assert count(sync, Opportunity, Opportunity.team_id == TEAM) == 1
    told = " ".join(json.dumps(c.args) for c in sync.fake.calls_to("chat.postEphemeral"))
    assert "was saved" in told and "nothing was changed" not in told
