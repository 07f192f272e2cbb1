"""The deal card with its Billables section: lines, total and buttons, in a fixed number of statements."""

from __future__ import annotations

from integration.helpers import make_deal
from integration.pipeline_gen import StatementCounter
from unit.blockkit import assert_valid_message

from oppbot.db.session import unit_of_work
from oppbot.services import billables
from oppbot.slack.cards import deal_card_message
from oppbot.slack.ids import BillingAction


def _statements(engine, sessions, actor, number) -> tuple[int, dict]:
    with sessions() as session, StatementCounter(engine) as counter:
        message = deal_card_message(session, actor, number, tz="UTC")
    return counter.count, message


def test_the_card_shows_lines_total_and_buttons_in_as_many_statements_for_one_line_as_for_forty(
    engine, sessions, rep, other_rep
):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    with unit_of_work(sessions) as session:
        billables.add_billable(session, rep, number, description="Setup", quantity="2", unit_price="100")
    one, message = _statements(engine, sessions, rep, number)
    assert_valid_message(message)
    text = str(message["blocks"])
    assert "Setup" in text and "*Total: USD 200.00*" in text and BillingAction.ADD_LINE.value in text

    with unit_of_work(sessions) as session:
        for n in range(39):
            billables.add_billable(session, rep, number, description=f"Line {n}", quantity="1", unit_price="1")
    forty, message = _statements(engine, sessions, rep, number)
    assert_valid_message(message)
    assert forty == one
    assert "*Total: USD 239.00*" in str(message["blocks"])

    # Someone who may not change the deal gets the lines and total, not the buttons.
    _, theirs = _statements(engine, sessions, other_rep, number)
    assert "*Total: USD 239.00*" in str(theirs["blocks"]) and BillingAction.ADD_LINE.value not in str(theirs)
