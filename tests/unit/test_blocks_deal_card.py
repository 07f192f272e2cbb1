"""The deal card builder: every branch valid Block Kit, hostile text escaped, buttons carry number and version."""

from unit.blockkit import HOSTILE, activity, all_text, assert_no_raw_hostile, assert_valid_message, opportunity, view

from oppbot.slack.blocks.common import parse_deal_value
from oppbot.slack.blocks.deal_card import deal_message
from oppbot.slack.ids import Action


def _elements(msg):
    actions = next(b for b in msg["blocks"] if b["type"] == "actions")
    return actions, {e["action_id"]: e for e in actions["elements"]}


def test_an_unassigned_open_deal_offers_claim_won_lost_and_move_to_the_other_stages():
    msg = deal_message(view())
    assert_valid_message(msg)
    actions, elements = _elements(msg)
    assert {Action.MOVE, Action.CLAIM, Action.ASSIGN, Action.EDIT, Action.NOTE, Action.WON, Action.LOST} <= set(
        elements
    )
    assert Action.RESET_PROBABILITY not in elements
    assert parse_deal_value(elements[Action.CLAIM]["value"]) == (42, 3, None)
    assert actions["block_id"] == "deal:42:3"
    stages = [parse_deal_value(o["value"])[2] for o in elements[Action.MOVE]["options"]]
    assert "proposal" not in stages and len(stages) == 5
    text = all_text(msg)
    assert "USD 50,000.00" in text and "USD 25,000.00" in text and "No billables yet" in text
    assert "#42 Acme Corp - Software licence" in text


def test_an_assigned_deal_with_a_manual_probability_offers_reset_not_claim():
    msg = deal_message(view(opportunity(assignee_id="U_REP", probability_source="manual", probability=60)))
    assert_valid_message(msg)
    _, elements = _elements(msg)
    assert Action.CLAIM not in elements and Action.RESET_PROBABILITY in elements
    assert "set by hand" in all_text(msg) and "<@U_REP>" in all_text(msg)


def test_a_lost_deal_shows_its_reason_and_offers_reopening_only():
    opp = opportunity(stage="closed_lost", probability=0, lost_reason="Price", lost_at_stage="negotiation")
    msg = deal_message(view(opp))
    assert_valid_message(msg)
    _, elements = _elements(msg)
    assert Action.WON not in elements and Action.LOST not in elements and Action.CLAIM not in elements
    assert elements[Action.MOVE]["placeholder"]["text"] == "Reopen as…"
    assert "Lost at Negotiation" in all_text(msg)


def test_overdue_and_stale_flags_are_shown():
    msg = deal_message(view(overdue=True, stale=True))
    assert_valid_message(msg)
    assert "overdue" in all_text(msg) and "stale" in all_text(msg)


def test_activity_says_who_when_and_before_after():
    rows = [
        activity(
            "stage_changed", [{"field": "stage", "before": "lead", "after": "proposal"}], {"skipped": ["qualification"]}
        ),
        activity("assigned", [{"field": "assignee", "before": None, "after": "U_REP"}], actor="U_BOSS"),
        activity("note_added", detail={"note": "Called them"}),
        activity("lost", [{"field": "stage", "before": "lead", "after": "closed_lost"}], {"loss_reason": "Price"}),
        activity(
            "edited",
            [
                {"field": f, "before": "a", "after": "b"}
                for f in ("title", "value", "currency", "description", "external_ref")
            ],
        ),
    ]
    msg = deal_message(view(activity_rows=rows))
    assert_valid_message(msg)
    text = all_text(msg)
    assert "stage Lead → Proposal" in text and "skipped Qualification" in text
    assert "<@U_BOSS> assigned it: assignee _none_ → <@U_REP>" in text
    assert "Called them" in text and "(Price)" in text and "and 1 more" in text
    assert "<!date^" in text


def test_a_hostile_title_customer_description_and_note_render_escaped():
    opp = opportunity(
        title=HOSTILE,
        description=HOSTILE,
        external_ref=HOSTILE,
        customer=HOSTILE,
        stage="closed_lost",
        lost_reason=HOSTILE,
    )
    rows = [
        activity("note_added", detail={"note": HOSTILE}),
        activity("edited", [{"field": "title", "before": HOSTILE, "after": HOSTILE}]),
    ]
    msg = deal_message(view(opp, rows), note="*Done.*")
    assert_valid_message(msg)
    assert_no_raw_hostile(msg)
    assert "&lt;!channel&gt; &lt;@U999&gt; &lt;http://x|y&gt; &amp; co" in all_text(msg)


def test_long_text_stays_within_slack_limits():
    long = "x" * 3000 + " & <y>"
    msg = deal_message(
        view(
            opportunity(title="t" * 200, description=long, customer="c" * 200),
            [activity("note_added", detail={"note": long})] * 20,
        )
    )
    assert_valid_message(msg)
    for block in msg["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000


def test_the_card_has_words_for_every_deal_event_kind():
    from oppbot.domain.events import EventKind
    from oppbot.slack.blocks.deal_card import _KIND_WORDS

    deal_kinds = {k for k in EventKind if not k.value.startswith(("billable_", "task_", "export_"))}
    assert deal_kinds == set(_KIND_WORDS)
