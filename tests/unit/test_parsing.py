"""The /opp grammar: refs, mentions, stages, list filters, bulk ref lists; bad text is a helpful InvalidInput."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import Stage
from oppbot.slack import parsing as p

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("text", ["#42", "42", "OPP-42", "opp-42"])
def test_show_accepts_every_reference_form(text):
    assert p.parse_show(text) == p.Show(42)


@pytest.mark.parametrize("token, user", [("<@U123|maria>", "U123"), ("<@U123>", "U123"), ("<@W9AB>", "W9AB")])
def test_mentions_arrive_escaped_and_give_the_user_id(token, user):
    assert p.parse_user(token) == user


def test_a_plain_name_is_not_a_mention():
    with pytest.raises(InvalidInput, match="Mention them with @"):
        p.parse_user("maria")


def test_channels_arrive_escaped():
    assert p.parse_channel("<#C123|sales>") == "C123"
    with pytest.raises(InvalidInput):
        p.parse_channel("#sales")


def test_move_takes_a_stage_alias_and_a_reason_only_for_lost():
    assert p.parse_move("#42 prop") == p.Move(42, Stage.PROPOSAL)
    assert p.parse_move("42 Forhandling") == p.Move(42, Stage.NEGOTIATION)
    assert p.parse_move("42 closed won") == p.Move(42, Stage.CLOSED_WON)
    assert p.parse_move("42 lost price") == p.Move(42, Stage.CLOSED_LOST, "price")
    with pytest.raises(InvalidInput, match="For example"):
        p.parse_move("42 prop because")


@pytest.mark.parametrize("args", ["", "x", "42", "42 nowhere", "#0 lead"])
def test_bad_move_says_what_was_wrong_with_an_example(args):
    with pytest.raises(InvalidInput) as err:
        p.parse_move(args)
    assert "For example: `/opp move" in err.value.message


def test_lost_reads_reason_then_note():
    assert p.parse_lost("42") == p.Lost(42)
    assert p.parse_lost("42 price too high for them") == p.Lost(42, "price", "too high for them")
    assert p.parse_lost("42 no decision after all") == p.Lost(42, "No decision", "after all")


def test_assign_note_claim_unassign_won():
    assert p.parse_assign("#7 <@U9|bo>") == p.Assign(7, "U9")
    assert p.parse_note("7 Called <@U1>, & more") == p.AddNote(7, "Called <@U1>, & more")
    assert p.parse_claim("7") == p.Claim(7)
    assert p.parse_unassign("OPP-7") == p.Unassign(7)
    assert p.parse_won("7") == p.Won(7)
    for parse, args in [(p.parse_assign, "7"), (p.parse_assign, "7 bob"), (p.parse_note, "7"), (p.parse_claim, "7 8")]:
        with pytest.raises(InvalidInput, match="For example"):
            parse(args)


def test_refs_accept_commas_spaces_and_ranges_without_repeats():
    assert p.parse_refs("12,13 14") == [12, 13, 14]
    assert p.parse_refs("12-15, #13 OPP-20") == [12, 13, 14, 15, 20]
    for bad in ["", "15-12", "1-500", "x"]:
        with pytest.raises(InvalidInput):
            p.parse_refs(bad)


def test_list_filters_in_any_order():
    args = p.parse_list("prop neg mine overdue closing this-quarter", TODAY)
    assert args.stages == (Stage.PROPOSAL, Stage.NEGOTIATION)
    assert args.mine and args.overdue and not args.stale
    assert args.period.key == "2026-Q4"
    assert p.parse_list("<@U5|x> stale", TODAY).assignee_id == "U5"
    assert p.parse_list("unassigned closing this month", TODAY).period.key == "2026-11"
    assert p.parse_list("closing q1 2027", TODAY).period.key == "2027-Q1"
    assert p.parse_list("closing 2026-01-01 .. 2026-01-31", TODAY).period.days == 31
    assert p.parse_list("closed won", TODAY).stages == (Stage.CLOSED_WON,)
    assert p.parse_list("", TODAY) == p.ListArgs()


@pytest.mark.parametrize("args", ["banana", "closing", "closing someday", "mine unassigned"])
def test_bad_list_filters_are_explained(args):
    with pytest.raises(InvalidInput, match="For example"):
        p.parse_list(args, TODAY)


def test_bulk_move_and_assign():
    assert p.parse_bulk("move 1,2 3-4 prop") == p.BulkMove((1, 2, 3, 4), Stage.PROPOSAL)
    assert p.parse_bulk("move 1,2 lost price") == p.BulkMove((1, 2), Stage.CLOSED_LOST, "price")
    assert p.parse_bulk("assign 1 2 <@U7|a>") == p.BulkAssign((1, 2), "U7")
    assert p.parse_bulk("assign 1 nobody") == p.BulkAssign((1,), None)
    for bad in ["move 1,2 lost", "move prop", "delete 1", "", "assign 1", "move 1 lead extra"]:
        with pytest.raises(InvalidInput, match="For example"):
            p.parse_bulk(bad)


PARSERS = [
    p.parse_show,
    p.parse_move,
    p.parse_won,
    p.parse_lost,
    p.parse_claim,
    p.parse_assign,
    p.parse_unassign,
    p.parse_note,
    p.parse_search,
    p.parse_bulk,
    lambda a: p.parse_list(a, TODAY),
]
WORDS = st.sampled_from(
    [
        "#42",
        "42",
        "OPP-7",
        "<@U1|x>",
        "<#C1|y>",
        "lead",
        "lost",
        "closing",
        "this",
        "month",
        "2026-Q4",
        "1-3",
        ",",
        "mine",
        "price",
        "move",
        "assign",
        "..",
        "-",
        "closed",
        "won",
    ]
)
TEXT = st.one_of(st.text(max_size=60), st.lists(WORDS, max_size=7).map(" ".join))


@settings(max_examples=400)
@given(TEXT)
def test_any_text_parses_or_gives_a_helpful_invalid_input(text):
    for parse in PARSERS:
        try:
            parse(text)
        except InvalidInput as exc:
            assert exc.message and len(exc.message) < 600


# --- the one tokenizer: command text as Slack sends it ----------------------------------------------------------


def test_an_entity_is_one_token_even_when_its_label_has_spaces():
    assert p.words("assign 12 <@U1|Maria Olsen>  now") == ["assign", "12", "<@U1|Maria Olsen>", "now"]
    assert p.words("notify <#C9|> prop") == ["notify", "<#C9|>", "prop"]
    assert p.words("x <https://x.example|our tool> y") == ["x", "<https://x.example|our tool>", "y"]


@pytest.mark.parametrize("mention", ["<@U12AB>", "<@U12AB|maria>", "<@W12AB|Maria Olsen>", "<@U12AB|>"])
def test_every_form_slack_sends_a_mention_in_is_one_user(mention):
    assert p.parse_user(mention) == mention[2:7]
    assert p.parse_assign(f"42 {mention}").user_id == mention[2:7]
    assert p.parse_list(f"prop {mention}", date(2026, 11, 15)).assignee_id == mention[2:7]


@pytest.mark.parametrize("channel", ["<#C12AB>", "<#C12AB|sales>", "<#G12AB|private-deals>", "<#C12AB|>"])
def test_every_form_slack_sends_a_channel_in_is_one_channel(channel):
    assert p.parse_channel(channel) == channel[2:7]


def test_plain_names_are_not_mentions_or_channels():
    for token in ("@maria", "maria", "#sales", "<@maria>", "<#sales>"):
        assert not p.is_user(token) and not p.is_channel(token)


def test_slacks_three_entities_decode_to_what_was_typed():
    assert p.decode_entities("R&amp;D &lt;b&gt; &amp;lt;") == "R&D <b> &lt;"


def test_the_users_mentioned_in_a_text_come_once_each_in_order():
    assert p.find_users("add <@U2|b> <@U1> and <@U2|b again>") == ["U2", "U1"]


def test_fx_set_takes_a_currency_a_rate_and_maybe_a_date():
    assert p.parse_fx_set("EUR 1.10") == p.FxSet("EUR", "1.10", None)
    assert p.parse_fx_set("EUR 1.10 2026-11-01").day == date(2026, 11, 1)
    with pytest.raises(InvalidInput):
        p.parse_fx_set("EUR")
    with pytest.raises(InvalidInput):
        p.parse_fx_set("EUR 1.10 someday")
