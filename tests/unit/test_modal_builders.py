"""Modal and Home builders: Slack's limits hold, edits prefill, hostile text stays inert."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from slack_sdk.models.views import View

from oppbot.domain.stages import Stage
from oppbot.services.queries import CurrencyAmounts, Pipeline, PipelineStage
from oppbot.slack import metadata
from oppbot.slack.blocks import common, home, modals
from oppbot.slack.ids import Action, Block, Callback, input_action
from oppbot.slack.metadata import ViewMeta

HOSTILE = "<!channel> <@U999> <http://x|y> & co"


def valid(view: dict) -> dict:
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    assert len(view["title"]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    return view


def block(view: dict, block_id: Block) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id.value)


def element(view: dict, block_id: Block) -> dict:
    return block(view, block_id)["element"]


def opportunity(**overrides):
    fields = dict(
        number=42,
        title="Acme Corp - Software licence",
        individual=None,
        individual_id=None,
        organization=SimpleNamespace(name="Acme Corp"),
        organization_id=3,
        amount_minor=5_000_050,
        currency="NOK",
        stage="proposal",
        probability=60,
        probability_source="manual",
        expected_close=date(2026, 12, 31),
        description="Two years",
        external_ref="CRM-1",
        assignee_id="U_REP",
        forecast_category="commit",
        version=7,
        amount=Decimal("50000.50"),
    )
    fields.update(overrides)
    return SimpleNamespace(**fields)


def test_the_create_modal_prefills_the_title_and_offers_every_field():
    view = valid(
        modals.create_deal_modal(modals.DealForm(title="Acme"), team_id="T1", channel_id="C1", workspace_currency="NOK")
    )
    assert view["callback_id"] == Callback.CREATE_DEAL
    assert element(view, Block.TITLE)["initial_value"] == "Acme"
    assert element(view, Block.TITLE)["max_length"] == 200
    for b in (
        Block.TITLE,
        Block.CUSTOMER,
        Block.VALUE,
        Block.CURRENCY,
        Block.STAGE,
        Block.PROBABILITY,
        Block.EXPECTED_CLOSE,
        Block.DESCRIPTION,
        Block.EXTERNAL_REF,
        Block.ASSIGNEE,
    ):
        assert element(view, b)["action_id"] == input_action(b)
    assert element(view, Block.CUSTOMER)["type"] == "external_select"
    assert element(view, Block.CUSTOMER)["min_query_length"] == 0
    assert element(view, Block.CURRENCY)["initial_option"]["value"] == "NOK"
    assert [o["value"] for o in element(view, Block.STAGE)["options"]] == [s.value for s in Stage]
    assert element(view, Block.EXPECTED_CLOSE)["type"] == "datepicker"
    assert element(view, Block.ASSIGNEE)["type"] == "users_select"
    assert element(view, Block.DESCRIPTION)["max_length"] == 3000
    assert "follow the stage" in block(view, Block.PROBABILITY)["hint"]["text"]
    buttons = block(view, Block.CUSTOMER_ACTIONS)["elements"]
    assert buttons[0]["action_id"] == Action.NEW_CUSTOMER


def test_the_edit_modal_prefills_current_values_and_carries_the_version():
    opp = opportunity()
    form = modals.deal_form_from_opportunity(opp, 50)
    view = valid(modals.edit_deal_modal(form, team_id="T1", number=42, version=7))
    assert element(view, Block.TITLE)["initial_value"] == opp.title
    assert element(view, Block.CUSTOMER)["initial_option"]["value"] == "organization:3"
    assert element(view, Block.VALUE)["initial_value"] == "50000.50"
    assert element(view, Block.CURRENCY)["initial_option"]["value"] == "NOK"
    assert element(view, Block.STAGE)["initial_option"]["value"] == "proposal"
    assert element(view, Block.PROBABILITY)["initial_value"] == "60"
    assert element(view, Block.EXPECTED_CLOSE)["initial_date"] == "2026-12-31"
    assert element(view, Block.ASSIGNEE)["initial_user"] == "U_REP"
    assert element(view, Block.CATEGORY)["initial_option"]["value"] == "commit"
    assert metadata.decode(view["private_metadata"]) == ViewMeta(team_id="T1", number=42, version=7)


def test_a_stage_sourced_probability_is_left_empty_so_it_keeps_following_the_stage():
    form = modals.deal_form_from_opportunity(opportunity(probability=50, probability_source="stage"), 50)
    view = modals.edit_deal_modal(form, team_id="T1", number=42, version=1)
    assert "initial_value" not in element(view, Block.PROBABILITY)
    assert "50%" in block(view, Block.PROBABILITY)["hint"]["text"]


def test_limits_hold_with_a_200_character_title_and_a_huge_deal_number():
    title = "W" * 200
    form = modals.deal_form_from_opportunity(opportunity(title=title, description="d" * 3000), 50)
    view = valid(modals.edit_deal_modal(form, team_id="T" * 20, number=999_999_999, version=10**9, channel_id="C" * 20))
    assert len(view["title"]["text"]) <= 24
    loss = valid(
        modals.loss_reason_modal(
            team_id="T1",
            number=999_999_999,
            version=3,
            deal_title=title,
            reasons=["Price", "Other"],
            origin={"channel": "C1", "ts": "1.2", "response_url": "https://x/" + "a" * 300},
        )
    )
    assert len(loss["private_metadata"]) <= 3000
    valid(modals.note_modal(team_id="T1", number=999_999_999, deal_title=title))
    valid(modals.customer_modal(team_id="T1", pushed=True))


def test_hostile_text_is_escaped_in_mrkdwn_and_left_alone_in_plain_text():
    loss = modals.loss_reason_modal(team_id="T1", number=1, version=1, deal_title=HOSTILE, reasons=["Price"])
    shown = block(loss, Block.CONTEXT)["elements"][0]["text"]
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown and "&amp; co" in shown
    note = modals.note_modal(team_id="T1", number=1, deal_title=HOSTILE)
    assert "<@U999>" not in block(note, Block.CONTEXT)["elements"][0]["text"]
    form = modals.DealForm(title=HOSTILE, customer=modals.CustomerChoice("organization:1", HOSTILE))
    view = valid(modals.create_deal_modal(form, team_id="T1"))
    assert element(view, Block.TITLE)["initial_value"] == HOSTILE  # plain_text input: shown as typed, never parsed


def test_option_text_and_values_are_cut_to_slacks_limits():
    opt = common.option("x" * 500, "v" * 500)
    assert len(opt["text"]["text"]) <= 75 and len(opt["value"]) <= 150


def test_the_loss_modal_lists_the_workspace_reasons_and_remembers_where_to_refresh():
    view = valid(
        modals.loss_reason_modal(
            team_id="T1",
            number=5,
            version=2,
            deal_title="Acme",
            reasons=("Price", "Budget cut"),
            origin={"channel": "C1", "ts": "123.4"},
        )
    )
    assert [o["value"] for o in element(view, Block.LOSS_REASON)["options"]] == ["Price", "Budget cut"]
    assert block(view, Block.LOSS_NOTE)["optional"] is True
    assert metadata.decode(view["private_metadata"]) == ViewMeta(
        team_id="T1", number=5, version=2, channel_id="C1", ts="123.4"
    )


def test_the_customer_modal_asks_for_type_with_radio_buttons():
    view = valid(modals.customer_modal(team_id="T1"))
    kinds = element(view, Block.CUSTOMER_KIND)
    assert kinds["type"] == "radio_buttons"
    assert {o["value"] for o in kinds["options"]} == {"individual", "organization"}
    for b in (Block.CUSTOMER_NAME, Block.CUSTOMER_EMAIL, Block.CUSTOMER_PHONE, Block.CUSTOMER_DOMAIN):
        assert element(view, b)["action_id"] == input_action(b)


def test_currency_options_put_the_workspace_currency_first_and_find_any_iso_code():
    assert modals.currency_options("", "NOK")[0]["value"] == "NOK"
    assert "XAF" in [o["value"] for o in modals.currency_options("xaf", "USD")]
    assert "CHF" in [o["value"] for o in modals.currency_options("swiss", "USD")]
    assert len(modals.currency_options("a", "USD")) <= 100


def test_metadata_over_3000_characters_is_refused_rather_than_truncated():
    with pytest.raises(ValueError):
        metadata.encode(ViewMeta(response_url="https://hooks.slack.com/" + "a" * 3000))


def _pipeline():
    stages = [
        PipelineStage(s, 2, {"USD": CurrencyAmounts(2, Decimal("100"), Decimal("15"))})
        for s in (Stage.LEAD, Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION)
    ]
    return Pipeline(stages)


def test_home_stays_within_100_blocks_however_many_deals_there_are():
    deals = [opportunity(number=n, title=HOSTILE) for n in range(1, 501)]
    data = home.HomeData(
        "U1", _pipeline(), home.DealList(deals, 500), home.DealList(deals, 500), home.DealList(deals, 500)
    )
    view = home.home_view(data)
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    texts = str(view)
    assert "and 490 more" in texts and "/opp list overdue" in texts
    assert "<!channel>" not in texts


def test_home_shows_counts_totals_and_weighted_totals_per_stage():
    view = home.home_view(home.HomeData("U1", _pipeline(), home.DealList(), home.DealList(), home.DealList()))
    texts = str(view)
    assert "*Lead* — 2 deals" in texts and "weighted" in texts and "*Open pipeline* — 8 deals" in texts
    actions = next(b for b in view["blocks"] if b.get("type") == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [Action.HOME_NEW, Action.HOME_FIND]
