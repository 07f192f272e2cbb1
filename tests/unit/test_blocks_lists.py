"""List page and pipeline builders: every branch valid Block Kit, escaped, paged, currencies kept apart."""

from datetime import date
from decimal import Decimal

from unit.blockkit import HOSTILE, all_text, assert_no_raw_hostile, assert_valid_message, mrkdwn_texts, opportunity

from oppbot.domain.periods import parse_period
from oppbot.domain.stages import Stage
from oppbot.services.queries import CurrencyAmounts, Pipeline, PipelineStage
from oppbot.slack.blocks.deal_list import deal_list_message, page_action, stage_action
from oppbot.slack.blocks.pipeline import pipeline_message
from oppbot.slack.parsing import ListArgs, list_state, parse_list_state

TODAY = date(2026, 11, 29)


def _actions(msg):
    return {e["action_id"]: e for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_a_middle_page_has_prev_and_next_carrying_the_filters():
    args = ListArgs(stages=(Stage.PROPOSAL,), mine=True, period=parse_period("2026-Q4", TODAY), text="acme")
    items = [opportunity(number=n, id=n) for n in range(11, 21)]
    msg = deal_list_message(items, total=35, offset=10, args=args)
    assert_valid_message(msg)
    actions = _actions(msg)
    assert parse_list_state(actions[page_action("next")]["value"], TODAY) == (args, 20)
    assert parse_list_state(actions[page_action("prev")]["value"], TODAY) == (args, 0)
    assert parse_list_state(actions[stage_action(Stage.LEAD)]["value"], TODAY)[0].stages == (Stage.LEAD,)
    assert "11–20 of 35" in all_text(msg)


def test_the_first_and_only_page_has_no_pager_and_an_empty_list_says_so():
    msg = deal_list_message([opportunity()], total=1, offset=0, args=ListArgs())
    assert_valid_message(msg)
    assert page_action("next") not in _actions(msg) and page_action("prev") not in _actions(msg)
    empty = deal_list_message([], total=0, offset=0, args=ListArgs(overdue=True))
    assert_valid_message(empty)
    assert "No deals match" in all_text(empty)


def test_row_menus_fit_slacks_overflow_limit_for_open_and_closed_deals():
    rows = [
        opportunity(number=1, id=1),
        opportunity(number=2, id=2, assignee_id="U1"),
        opportunity(number=3, id=3, stage="closed_won", probability=100),
    ]
    msg = deal_list_message(rows, total=3, offset=0, args=ListArgs())
    assert_valid_message(msg)
    menus = [b["accessory"]["options"] for b in msg["blocks"] if "accessory" in b]
    assert [len(m) for m in menus] == [5, 5, 3]
    assert menus[0][1]["value"] == "claim:1:3" and menus[1][1]["value"] == "edit:2:3"


def test_hostile_titles_customers_and_search_text_are_escaped_in_the_list():
    msg = deal_list_message([opportunity(title=HOSTILE, customer=HOSTILE)], 1, 0, ListArgs(text=HOSTILE))
    assert_valid_message(msg)
    assert_no_raw_hostile(msg)


def test_an_old_or_forged_list_state_is_a_helpful_error():
    import pytest

    from oppbot.domain.errors import InvalidInput

    for bad in ["", "{", '{"s":["nope"]}', '{"c":"someday"}', "[]"]:
        if bad == "":
            assert parse_list_state(bad, TODAY) == (ListArgs(), 0)
            continue
        with pytest.raises(InvalidInput):
            parse_list_state(bad, TODAY)
    assert len(list_state(ListArgs(text="x" * 500), 10)) < 2000


def test_pipeline_shows_each_stage_and_keeps_currencies_apart():
    usd = CurrencyAmounts(2, Decimal("1000"), Decimal("500"))
    eur = CurrencyAmounts(1, Decimal("10.5"), Decimal("5.25"))
    stages = [PipelineStage(Stage.LEAD), PipelineStage(Stage.PROPOSAL, 3, {"USD": usd, "EUR": eur})]
    msg = pipeline_message(Pipeline(stages))
    assert_valid_message(msg)
    text = all_text(msg)
    assert "*Lead* — 0 deals" in text and "_none_" in text
    assert "USD 1,000.00 · weighted USD 500.00 (2)" in text and "EUR 10.50 · weighted EUR 5.25 (1)" in text
    assert "never added up" in text
    single = pipeline_message(Pipeline([PipelineStage(Stage.LEAD, 2, {"USD": usd})]))
    assert_valid_message(single)
    assert "never added up" not in all_text(single)


def test_a_list_filtered_by_someone_names_them_as_a_mention_and_a_forged_id_as_text():
    msg = deal_list_message([], total=0, offset=0, args=ListArgs(assignee_id="U123ABC"))
    assert "<@U123ABC>" in all_text(msg)
    forged = deal_list_message([], total=0, offset=0, args=ListArgs(assignee_id="<!channel>"))
    shown = " ".join(mrkdwn_texts(forged))
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
