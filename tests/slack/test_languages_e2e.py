"""Norwegian and English through `oppbot serve` and the fake Slack (issue 14): a user who chose `nb`, a user whose
Slack locale is `nb-NO`, an English user in the same workspace, and a channel subscribed with `lang nb`.

What is checked is what this branch makes Norwegian itself: the replies of the language commands, an error raised
while the request's language is worked out lazily, and CLDR's number format (`1 234 567,00 kr`, with no-break
spaces), which oppbot.slack.text gives every amount. The wording of cards and digests is the wrapping branches'
(their own tests check it); a test here asserting it would only test what is not merged yet.
"""

from __future__ import annotations

from integration.helpers import make_customer, make_deal
from slack_sdk import WebClient
from sqlalchemy import select

from oppbot.db.base import utcnow
from oppbot.db.models import ScheduleSubscription, SlackUser, Workspace
from workers.scheduled import deliver_digest

NBSP = "\u00a0"
NOK_NB = f"1{NBSP}234{NBSP}567,00{NBSP}kr"  # CLDR nb_NO
NOK_EN = "NOK 1,234,567.00"  # oppbot's own English form


def text_of(message: dict) -> str:
    import json

    return json.dumps({"text": message.get("text"), "blocks": message.get("blocks")}, ensure_ascii=False)


def big_deal(slack) -> int:
    actor = slack.actor("U_REP")
    customer = make_customer(slack.sessions, actor, "Fjord AS")
    return make_deal(slack.sessions, actor, customer, value="1234567", currency="NOK")


def test_a_user_who_chose_norwegian_is_answered_in_norwegian_and_english_users_are_not(slack):
    number = big_deal(slack)
    assert "Ferdig: oppbot snakker norsk (bokmål) til deg nå." in slack.ask("language nb")["text"]
    assert "slik du har valgt" in slack.ask("language")["text"]
    with slack.sessions() as session:
        assert session.get(SlackUser, (slack.team_id, "U_REP")).language == "nb"

    # Any handler speaks it: an amount on the card, and a refusal raised before the handler asked who is reading.
    assert NOK_NB in text_of(slack.ask(f"show #{number}"))
    refusal = slack.ask("digest here lang tysk", user="U_REP")["text"]
    assert "«tysk» er ikke et språk oppbot snakker" in refusal

    # Another user in the same workspace: English, oppbot's English amounts.
    assert NOK_EN in text_of(slack.ask(f"show #{number}", user="U_OTHER"))
    assert "oppbot speaks English to you" in slack.ask("language", user="U_OTHER")["text"]
    assert "'tysk' is not a language oppbot speaks" in slack.ask("digest here lang tysk", user="U_OTHER")["text"]

    # `auto` gives the choice up: back to the Slack locale (en-US in the fake), so English.
    assert "Done: no language of your own" in slack.ask("language auto")["text"]
    assert NOK_EN in text_of(slack.ask(f"show #{number}"))


def test_a_user_whose_slack_locale_is_nb_no_reads_norwegian_without_choosing(slack):
    slack.fake.users["U_NB"] = {"locale": "nb-NO"}
    number = big_deal(slack)
    # The first request asks users.info (with include_locale) for the role; the locale comes with it.
    assert NOK_NB in text_of(slack.ask(f"show #{number}", user="U_NB"))
    (info,) = [c for c in slack.fake.calls_to("users.info") if c.args.get("user") == "U_NB"]
    assert str(info.args.get("include_locale")).lower() in ("1", "true")
    with slack.sessions() as session:
        row = session.get(SlackUser, (slack.team_id, "U_NB"))
        assert (row.locale, row.language) == ("nb-NO", None)
    assert "du har ikke valgt et eget språk" in slack.ask("language", user="U_NB")["text"]
    # Choosing English beats the locale.
    assert "Done: oppbot speaks English to you now." in slack.ask("language english", user="U_NB")["text"]
    assert NOK_EN in text_of(slack.ask(f"show #{number}", user="U_NB"))
    # Someone else with an English Slack, same workspace: English.
    assert NOK_EN in text_of(slack.ask(f"show #{number}", user="U_EN"))


def test_the_workspace_language_is_what_everyone_without_a_choice_of_their_own_reads(slack):
    boss = slack.make_manager()
    slack.fake.users["U_FR"] = {"locale": "fr-FR"}  # not a language oppbot speaks: the workspace's
    number = big_deal(slack)
    assert "Only managers" in slack.ask("settings language nb", user="U_REP")["text"]
    # The manager's own Slack says en-US: they are answered in English.
    reply = slack.ask("settings language norsk", user=boss)["text"]
    assert "The workspace language is now Norwegian (Bokmål) (was English)" in reply, reply
    with slack.sessions() as session:
        assert session.get(Workspace, slack.team_id).language == "nb"
    assert NOK_NB in text_of(slack.ask(f"show #{number}", user="U_FR"))
    assert "Språk: norsk (bokmål)" in text_of(slack.ask("settings", user="U_FR"))
    # A user whose Slack says en-US reads the workspace's Norwegian too (Slack offers no Norwegian, so en-US is no
    # choice) ...
    assert NOK_NB in text_of(slack.ask(f"show #{number}", user="U_REP"))
    # ... and a user's own choice comes before it.
    slack.ask("language en", user="U_REP")
    assert NOK_EN in text_of(slack.ask(f"show #{number}", user="U_REP"))


def test_a_channel_subscribed_with_lang_nb_gets_its_digest_in_norwegian(slack):
    boss = slack.make_manager()
    big_deal(slack)
    reply = slack.ask("digest here weekly mon 09:00 lang nb", user=boss)
    assert reply["response_type"] == "in_channel"
    assert "Språk: norsk (bokmål)." in reply["text"]  # said in the channel: in the channel's language
    # Shown to the manager only: in the manager's language, naming the channel's.
    assert "Language: Norwegian (Bokmål)." in slack.ask("digest show", user=boss)["text"]

    # The scheduled delivery (the worker's own function) renders the channel's language.
    with slack.sessions() as session:
        sub = session.scalar(select(ScheduleSubscription).where(ScheduleSubscription.team_id == slack.team_id))
        assert sub.language == "nb"
    client = WebClient(token="xoxb-test", base_url=slack.fake.base_url)
    assert deliver_digest(slack.sessions, client, sub.id, "lang-test", utcnow())
    posts = [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == slack.channel_id]
    assert posts and NOK_NB in text_of(posts[-1].args)
    assert NOK_EN not in text_of(posts[-1].args)

    # `/opp digest now` by a manager posts in the channel's language too, whoever asks.
    before = len(slack.fake.calls_to("chat.postMessage"))
    slack.command("digest now", user=boss)  # the digest itself is the answer: no reply
    slack.fake.wait_for("chat.postMessage", count=before + 1)
    posts = [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == slack.channel_id]
    # (Its changes start at the scheduled one: the totals, in the USD the workspace reports in, are what it shows.)
    assert len(posts) == 2 and f"0,00{NBSP}USD" in text_of(posts[-1].args)
    assert "USD 0.00" not in text_of(posts[-1].args)

    # Back to the workspace's language (English here): the digest follows.
    assert "Language: the workspace's" in slack.ask("digest here lang auto", user=boss)["text"]
    assert deliver_digest(slack.sessions, client, sub.id, "lang-test-2", utcnow())
    posts = [c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == slack.channel_id]
    assert "USD 0.00" in text_of(posts[-1].args) and f"0,00{NBSP}USD" not in text_of(posts[-1].args)


def test_deal_notifications_to_a_channel_with_lang_nb(slack):
    boss = slack.make_manager()
    reply = slack.ask("notify <#C_NB|salg> lang nb", user=boss)["text"]
    assert "<#C_NB>" in reply and "Språk: norsk (bokmål)" not in reply  # the reply is the manager's, in English
    assert "Language: Norwegian (Bokmål)" in reply
    assert "Language: Norwegian (Bokmål)" in slack.ask("notify", user=boss)["text"]
