"""Lists, search, pipeline and bulk changes through the running server."""

from datetime import date, timedelta

from integration.helpers import make_customer, make_deal
from sqlalchemy import select
from unit.blockkit import all_text

from oppbot.db.models import Opportunity
from oppbot.domain.stages import Stage
from oppbot.slack.blocks.deal_list import page_action, stage_action
from oppbot.slack.ids import Action


def _rows(reply) -> list[str]:
    return [b["block_id"] for b in reply["blocks"] if b.get("block_id", "").startswith("row:")]


def _stage(slack, number) -> str:
    with slack.sessions() as session:
        return session.scalar(
            select(Opportunity.stage).where(Opportunity.team_id == slack.team_id, Opportunity.number == number)
        )


def test_list_filters_by_stage_owner_overdue_and_closing_period(slack):
    rep, boss = slack.actor("U_REP"), slack.actor("U_BOSS", is_manager=True)
    customer = make_customer(slack.sessions, rep)
    today = date.today()
    a = make_deal(
        slack.sessions, rep, customer, title="Alpha", assignee="U_REP", expected_close=today - timedelta(days=3)
    )
    b = make_deal(
        slack.sessions, rep, customer, title="Bravo", stage="proposal", expected_close=today + timedelta(days=400)
    )
    c = make_deal(slack.sessions, boss, customer, title="Charlie", assignee="U_BOSS", stage="negotiation")
    assert _rows(slack.ask("list")) == [f"row:{n}" for n in (c, b, a)]
    assert _rows(slack.ask("list prop")) == [f"row:{b}"]
    assert _rows(slack.ask("list mine")) == [f"row:{a}"]
    assert _rows(slack.ask("list <@U_BOSS|boss>")) == [f"row:{c}"]
    assert _rows(slack.ask("list unassigned")) == [f"row:{b}"]
    assert _rows(slack.ask("list overdue")) == [f"row:{a}"]
    far = today + timedelta(days=400)
    assert _rows(slack.ask(f"list closing {far.year}-{far.month:02d}")) == [f"row:{b}"]
    reply = slack.ask("list won")
    assert _rows(reply) == [] and "No deals match" in all_text(reply)


def test_list_pages_with_next_and_prev_and_filters_by_stage_buttons(slack):
    rep = slack.actor("U_REP")
    customer = make_customer(slack.sessions, rep)
    for n in range(12):
        make_deal(slack.sessions, rep, customer, title=f"Deal {n}", stage="proposal" if n < 2 else "lead")
    first = slack.ask("list")
    assert len(_rows(first)) == 10 and "1–10 of 12" in all_text(first)
    second = slack.press(first, page_action("next"))
    assert second["replace_original"] is True and len(_rows(second)) == 2 and "11–12 of 12" in all_text(second)
    back = slack.press(second, page_action("prev"))
    assert _rows(back) == _rows(first)
    proposals = slack.press(first, stage_action(Stage.PROPOSAL))
    assert sorted(_rows(proposals)) == ["row:1", "row:2"]


def test_a_row_menu_shows_claims_and_wins_deals(slack):
    rep = slack.actor("U_REP")
    number = make_deal(slack.sessions, rep)
    listing = slack.ask("list")
    card = slack.press(listing, Action.ROW_MENU, option_value="show")
    assert card["replace_original"] is False and "Acme Corp - Software licence" in card["text"]
    claimed = slack.press(listing, Action.ROW_MENU, option_value="claim")
    assert "yours now" in claimed["text"]
    won = slack.press(slack.ask("list"), Action.ROW_MENU, option_value="won")
    assert "Closed-Won" in won["text"] and _stage(slack, number) == "closed_won"


def test_search_matches_title_customer_and_description(slack):
    rep = slack.actor("U_REP")
    globex = make_customer(slack.sessions, rep, "Globex Industries")
    make_deal(slack.sessions, rep, title="Renewal", description="three year licence")
    g = make_deal(slack.sessions, rep, globex, title="Widgets")
    assert _rows(slack.ask("search globex")) == [f"row:{g}"]
    assert _rows(slack.ask("search three licence")) == ["row:1"]
    assert "No deals match" in all_text(slack.ask("search nothing-like-this"))


def test_pipeline_counts_values_and_weighted_values_per_currency(slack):
    rep = slack.actor("U_REP")
    customer = make_customer(slack.sessions, rep)
    make_deal(slack.sessions, rep, customer, value="1000", stage="proposal")
    make_deal(slack.sessions, rep, customer, value="2000", stage="proposal", currency="EUR")
    make_deal(slack.sessions, rep, customer, value="500")
    reply = slack.ask("pipeline")
    text = all_text(reply)
    assert "USD 1,000.00 · weighted USD 500.00" in text and "EUR 2,000.00 · weighted EUR 1,000.00" in text
    assert "USD 1,500.00 · weighted USD 575.00" in text and "never added up" in text


def test_bulk_move_and_assign_are_for_managers(slack):
    boss = slack.make_manager("U_BOSS")
    rep = slack.actor("U_REP")
    customer = make_customer(slack.sessions, rep)
    numbers = [make_deal(slack.sessions, rep, customer) for _ in range(3)]
    refused = slack.ask("bulk move 1,2 prop")
    assert "Only managers" in refused["text"] and _stage(slack, 1) == "lead"

    reply = slack.ask("bulk move 1,2 99 prop", user=boss)
    assert "*Moved to Proposal:* #1, #2" in reply["text"] and "#99: There is no deal #99" in reply["text"]
    assert "Qualification was skipped" in reply["text"]
    assert [_stage(slack, n) for n in numbers] == ["proposal", "proposal", "lead"]

    reply = slack.ask("bulk move 2-3 lost", user=boss)
    assert "needs a reason" in reply["text"] and _stage(slack, 3) == "lead"
    reply = slack.ask("bulk move 2-3 lost competitor", user=boss)
    assert _stage(slack, 3) == "closed_lost"

    reply = slack.ask("bulk assign 1 2 <@U_MARIA|maria>", user=boss)
    assert "*Assigned to <@U_MARIA>:* #1, #2" in reply["text"]
    with slack.sessions() as session:
        owners = session.scalars(
            select(Opportunity.assignee_id).where(Opportunity.team_id == slack.team_id).order_by(Opportunity.number)
        ).all()
    assert owners == ["U_MARIA", "U_MARIA", None]
