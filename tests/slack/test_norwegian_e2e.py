"""A Norwegian team's week through `oppbot serve` and the fake Slack (issue 14): a rep who chose `nb` walks a deal's
whole life (help, the create form, the card, moves, a note, the forecast, App Home, won) and a channel set to `nb`
gets its digest and alerts, each checked in what Slack received: Norwegian words, CLDR's Norwegian money
(`1 234 567,00 kr`, no-break spaces) and dates (`12. des. 2026`), and no English sentence beside them.
"""

from __future__ import annotations

import json
from datetime import timedelta

from integration.helpers import form_values, make_customer, make_deal
from slack_sdk import WebClient
from sqlalchemy import select

from oppbot.db.base import utcnow
from oppbot.db.models import Opportunity, ScheduleSubscription
from oppbot.slack.ids import Callback
from workers.scheduled import deliver_alerts, deliver_digest

NBSP = "\u00a0"
NOK = f"1{NBSP}234{NBSP}567,00{NBSP}kr"


def said(message: dict) -> str:
    return json.dumps({"text": message.get("text"), "blocks": message.get("blocks")}, ensure_ascii=False)


def last_post(slack) -> dict:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == slack.channel_id][-1].args


def english_left(text: str) -> list[str]:
    """English words of oppbot's own that a Norwegian reader should never see."""
    words = ("Deal ", "Stage", "Value", "Customer", "Forecast", "Assignee", "Overview", "Created by", " the ")
    return [w for w in words if w in text]


def test_a_norwegian_rep_walks_a_deal_from_the_form_to_won(slack):
    assert "norsk" in slack.ask("language nb")["text"]

    help_text = said(slack.ask("help"))
    assert "*Avtaler*" in help_text and "*Prognose og tall*" in help_text and "/opp move <nr> <trinn>" in help_text

    customer = make_customer(slack.sessions, slack.actor(), "Fjord AS")
    slack.command("new Fornyelse")
    slack.fake.wait_for("views.update")
    form = slack.opened_view(Callback.CREATE_DEAL)
    assert form["title"]["text"] == "Ny avtale"
    labels = [b["label"]["text"] for b in form["blocks"] if b.get("type") == "input"]
    assert {"Tittel", "Kunde", "Verdi", "Valuta", "Trinn"} <= set(labels), labels
    result, ack = slack.submit(
        form,
        form_values(
            title="Fornyelse 2027",
            customer=customer.encode(),
            value="1234567",
            currency="NOK",
            stage="lead",
            probability=None,
            expected_close="2026-12-12",
            description="",
            external_ref="",
            assignee="U_REP",
        ),
    )
    assert result.status == 200 and ack == {}
    confirmation = slack.fake.wait_for("chat.postEphemeral")[-1].args["text"]
    assert "Opprettet avtale" in confirmation, confirmation

    card = said(slack.ask("show 1"))
    assert NOK in card and "12. des. 2026" in card and "Lead" in card
    assert not english_left(card), english_left(card)

    moved = said(slack.ask("move 1 prop"))
    assert "Forslag" in moved and not english_left(moved), moved
    assert "Notat" in said(slack.ask("note 1 Sendte tilbudet")) or "notat" in said(slack.ask("show 1")).lower()

    forecast = said(slack.ask("forecast"))
    assert "Prognose" in forecast and not english_left(forecast), forecast

    home = json.dumps(slack.open_home(), ensure_ascii=False)
    assert "Fornyelse 2027" in home and "Ingenting inaktivt." in home and not english_left(home), english_left(home)

    won = said(slack.ask("won 1"))
    assert "Lukket-Vunnet" in won and not english_left(won), won
    with slack.sessions() as session:
        deal = session.scalar(select(Opportunity).where(Opportunity.team_id == slack.team_id))
        assert deal.stage == "closed_won"

    # The same workspace's English rep reads the same deal in English.
    english = said(slack.ask("show 1", user="U_OTHER"))
    assert "NOK 1,234,567.00" in english and "Closed-Won" in english


def test_a_norwegian_channel_gets_its_digest_and_alerts_in_norwegian(slack):
    boss = slack.make_manager()
    actor = slack.actor("U_REP")
    customer = make_customer(slack.sessions, actor, "Fjord AS")
    overdue = (utcnow() - timedelta(days=3)).date().isoformat()
    make_deal(slack.sessions, actor, customer, value="1234567", currency="NOK", expected_close=overdue)
    slack.ask("digest here weekly mon 09:00 lang nb", user=boss)
    slack.ask("alerts here at 08:00 lang nb", user=boss)
    client = WebClient(token="xoxb-test", base_url=slack.fake.base_url)
    with slack.sessions() as session:
        subs = {
            s.kind: s.id
            for s in session.scalars(select(ScheduleSubscription).where(ScheduleSubscription.team_id == slack.team_id))
        }

    assert deliver_digest(slack.sessions, client, subs["digest"], "nb-digest", utcnow())
    digest = said(last_post(slack))
    assert "Ukentlig pipelineoppsummering" in digest and NOK in digest, digest
    assert "1 forfalt" in digest and not english_left(digest), english_left(digest)

    assert deliver_alerts(slack.sessions, client, subs["alerts"], "nb-alerts", utcnow())
    alert = said(last_post(slack))
    assert "forfalt" in alert.lower() and not english_left(alert), alert
