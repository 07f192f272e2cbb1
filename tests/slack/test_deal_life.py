"""A deal's whole life through the running server: show, claim, move through every stage, lose, reopen, win."""

from integration.helpers import make_deal
from sqlalchemy import select
from unit.blockkit import all_text as text_of

from oppbot.db.models import Activity, Opportunity, StageChange
from oppbot.slack.ids import Action, Callback


def _deal(slack, number=1) -> Opportunity:
    with slack.sessions() as session:
        return session.scalar(
            select(Opportunity).where(Opportunity.team_id == slack.team_id, Opportunity.number == number)
        )


def test_a_deal_goes_from_lead_through_every_stage_to_lost_then_reopened_and_won(slack):
    number = make_deal(slack.sessions, slack.actor("U_REP"))
    card = slack.ask(f"show #{number}")
    assert "Lead" in text_of(card)

    # Claim button: the card it came from is replaced with the fresh one, now assigned.
    card = slack.press(card, Action.CLAIM)
    assert card["replace_original"] is True
    assert "is yours now" in card["text"] and "<@U_REP>" in text_of(card)
    assert _deal(slack).assignee_id == "U_REP"

    # Move select on the card: Lead → Qualification.
    card = slack.press(card, Action.MOVE, option_value="qualification")
    assert "Moved #1 to Qualification" in card["text"]

    # Command: Qualification → Negotiation skips Proposal, and says so.
    reply = slack.ask(f"move {number} neg")
    assert "Proposal was skipped" in reply["text"]
    card = reply

    # Backwards is allowed: Negotiation → Proposal → Negotiation.
    card = slack.press(card, Action.MOVE, option_value="proposal")
    assert "Moved #1 to Proposal" in card["text"]
    card = slack.press(card, Action.MOVE, option_value="negotiation")

    # Lost with a reason by command: closed, reason and stage kept.
    reply = slack.ask(f"lost #{number} price they chose a cheaper plan")
    assert "Closed-Lost" in reply["text"]
    opp = _deal(slack)
    assert (opp.stage, opp.lost_reason, opp.lost_at_stage, opp.probability) == (
        "closed_lost",
        "Price",
        "negotiation",
        0,
    )
    assert opp.lost_note == "they chose a cheaper plan"

    # Reopen from the lost card's select, then Won button.
    card = slack.press(reply, Action.MOVE, option_value="negotiation")
    assert "Moved #1 to Negotiation" in card["text"]
    assert _deal(slack).lost_reason is None
    card = slack.press(card, Action.WON)
    assert "Closed-Won" in card["text"]
    opp = _deal(slack)
    assert (opp.stage, opp.probability) == ("closed_won", 100)

    with slack.sessions() as session:
        stages = session.scalars(
            select(StageChange.to_stage).where(StageChange.opportunity_id == opp.id).order_by(StageChange.id)
        ).all()
        kinds = session.scalars(select(Activity.kind).where(Activity.opportunity_id == opp.id)).all()
    assert stages == [
        "lead",
        "qualification",
        "negotiation",
        "proposal",
        "negotiation",
        "closed_lost",
        "negotiation",
        "closed_won",
    ]
    assert {"created", "assigned", "stage_changed", "lost", "reopened", "won"} <= set(kinds)


def test_a_click_on_an_outdated_card_is_refused_and_the_card_refreshed(slack):
    number = make_deal(slack.sessions, slack.actor("U_REP"))
    old = slack.ask(f"show {number}")
    slack.ask(f"move {number} qual")
    reply = slack.press(old, Action.WON)
    assert "changed by someone else" in reply["text"]
    assert _deal(slack).stage == "qualification"


def test_someone_elses_deal_cannot_be_moved_or_claimed_from_its_card(slack):
    number = make_deal(slack.sessions, slack.actor("U_REP"), assignee="U_REP")
    card = slack.ask(f"show {number}", user="U_OTHER")
    reply = slack.press(card, Action.MOVE, user="U_OTHER", option_value="proposal")
    assert "only they or a manager" in reply["text"] and reply["replace_original"] is False
    assert _deal(slack).stage == "lead"
    reply = slack.ask(f"claim {number}", user="U_OTHER")
    assert "already assigned" in reply["text"]


def test_lost_without_a_reason_opens_the_loss_modal_first(slack):
    number = make_deal(slack.sessions, slack.actor("U_REP"))
    before = len(slack.fake.calls)
    result, _ = slack.command(f"lost {number}")
    assert result.status == 200 and result.body in (b"", b"null")
    opened = slack.fake.wait_for("views.open")
    assert slack.fake.calls[before].method == "views.open"
    assert opened[0].args["view"]["callback_id"] == Callback.LOSS_REASON


def test_the_lost_button_and_move_to_lost_open_the_loss_modal(slack):
    number = make_deal(slack.sessions, slack.actor("U_REP"))
    card = slack.ask(f"show {number}")
    before = len(slack.fake.calls)
    block, element = next(
        (b, e) for b in card["blocks"] for e in b.get("elements", []) if e.get("action_id") == Action.LOST
    )
    slack.click(
        {"action_id": Action.LOST.value, "type": "button", "value": element["value"]}, block_id=block["block_id"]
    )
    slack.fake.wait_for("views.open")
    assert slack.fake.calls[before].method == "views.open"
    slack.ask(f"move {number} closed lost") if False else None
    _result, _ = slack.command(f"move {number} lost")
    slack.fake.wait_for("views.open", count=2)
    assert _deal(slack).stage == "lead"


def test_assign_unassign_note_and_reset_probability(slack):
    manager = slack.make_manager()
    number = make_deal(slack.sessions, slack.actor("U_REP"), probability="40")
    card = slack.ask(f"show {number}")
    assert "set by hand" in text_of(card)
    card = slack.press(card, Action.RESET_PROBABILITY)
    assert "15% (stage default)" in text_of(card)
    reply = slack.ask(f"assign {number} <@U_MARIA|maria>", user=manager)
    assert "Assigned #1 to <@U_MARIA>" in reply["text"]
    card = slack.press(reply, Action.ASSIGN, user=manager, selected_user="U_REP")
    assert _deal(slack).assignee_id == "U_REP"
    reply = slack.ask(f"unassign {number}")
    assert _deal(slack).assignee_id is None
    reply = slack.ask(f"note {number} Called them & sent the quote")
    assert "Note added" in reply["text"] and "Called them &amp; sent the quote" in text_of(reply)


def test_a_card_shared_in_a_channel_is_remembered_so_workers_can_keep_it_current(slack):
    from oppbot.db.models import CardMessage

    number = make_deal(slack.sessions, slack.actor("U_REP"), title="<!channel> Shared & live")
    reply = slack.ask(f"show #{number} here", user=slack.make_manager())  # managers post in channels
    assert "stays up to date" in reply["text"]
    (post,) = [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == slack.channel_id]
    from unit.blockkit import mrkdwn_texts

    # The title sits in the header (plain_text, never parsed); no mrkdwn text carries it raw.
    assert "<!channel>" not in " ".join(mrkdwn_texts({"blocks": post.args["blocks"]}))
    assert post.args["blocks"][0]["text"]["type"] == "plain_text"
    assert "<!channel>" not in post.args["text"]  # the notification fallback is mrkdwn too
    with slack.sessions() as session:
        (card,) = session.scalars(select(CardMessage).where(CardMessage.team_id == slack.team_id)).all()
    assert (card.channel_id, card.ts) == (slack.channel_id, post.args.get("ts") or card.ts)


def test_sharing_in_a_channel_the_bot_cannot_post_to_says_how_to_fix_it(slack):
    number = make_deal(slack.sessions, slack.actor("U_REP"))
    slack.fake.fail_next("chat.postMessage", 1, status=200, error="not_in_channel")
    reply = slack.ask(f"show #{number} here", user=slack.make_manager())
    assert "not_in_channel" in reply["text"] and "/invite" in reply["text"]
