"""What the Slack layer says itself (issue 14), in Norwegian: /opp help, command replies, refusals and the error
handler's sentences, rendered under `i18n.use("nb")`, with handlers called directly as tests/slack does. /opp help
keeps every command word in both languages (only placeholders and descriptions are translated) and stays within
Slack's 4,000 characters; under the pseudo language every word of it is inside a catalog marker."""

from __future__ import annotations

import re

import pytest
from integration.helpers import make_deal
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot import i18n
from oppbot.config import get_settings
from oppbot.domain.errors import InvalidInput
from oppbot.services.context import Actor
from oppbot.slack import error_handler, parsing
from oppbot.slack.deps import Deps
from oppbot.slack.listeners import commands
from oppbot.slack.listeners.commands import HELP_MAX, help_text, registry, schedules, subcommands
from oppbot.slack.metadata import TamperedMetadata
from oppbot.slack.pipeline import Request

TEAM, USER = "T111", "U_REP"


def _literal_prefix(usage: str) -> str:
    return re.split(r"\s+[\[<@#(]", usage, maxsplit=1)[0].strip()


COMMAND_WORDS = [f"/opp {sub.names[0]}" for sub in dict.fromkeys(registry().values())] + [
    _literal_prefix(usage) for sub in subcommands() for usage, _summary in sub.forms
]


# --- /opp help -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "nb"])
def test_help_lists_every_subcommand_word_and_fits(language):
    with i18n.use(language):
        text = help_text()
    missing = [word for word in COMMAND_WORDS if word not in text]
    assert not missing, f"/opp help in {language} lacks {missing}"
    with i18n.use(language):
        assert all(len(part) <= HELP_MAX for part in commands.help_parts())  # each part is one section block


def test_help_in_norwegian_describes_in_norwegian_and_keeps_the_command_words():
    with i18n.use("nb"):
        text = help_text()
    for words in ("salgspipelinen din i Slack", "*Avtaler*", "*Prognose og tall*", "*Arbeidsområde*"):
        assert words in text
    assert "`/opp move <nr> <trinn>` — bytt trinn, f.eks. `/opp move #42 prop`" in text
    assert "`/opp list [trinn] [mine|@bruker|unassigned] [overdue|stale] [closing <periode>]`" in text
    assert "this list, with examples" not in text and "Forecast and figures" not in text


def test_every_word_of_the_help_is_in_a_catalog_marker(monkeypatch):
    with i18n.use("qps"):
        text = help_text()
    outside = re.sub(r"⟦[^⟦⟧]*⟧", "", text)
    assert not re.search(r"[A-Za-z]", outside), outside[:300]


# --- replies built without a request ---------------------------------------------------------------------------------


def test_an_unknown_subcommand_is_answered_in_norwegian():
    with i18n.use("nb"):
        reply = commands.unknown("flytt")
    assert reply.text == "Jeg kjenner ikke `/opp flytt`. Prøv `/opp help` for listen, f.eks. `/opp show #42`."


def test_parse_errors_are_norwegian_and_keep_the_example_command():
    with i18n.use("nb"), pytest.raises(InvalidInput) as raised:
        parsing.parse_move("42")
    assert raised.value.message.startswith("Flytte avtale #42 til hvilket trinn?")
    assert "For eksempel: `/opp move #42 proposal`." in raised.value.message
    with i18n.use("nb"), pytest.raises(InvalidInput) as raised:
        parsing.parse_export("garbage", None)  # type: ignore[arg-type]
    assert "Jeg forstår ikke 'garbage' i en eksport." in raised.value.message


def test_each_subscription_kind_has_its_own_norwegian_sentence():
    with i18n.use("nb"):
        assert schedules._says("digest", "none").startswith("Denne kanalen får ikke noe sammendrag.")
        assert schedules._says("alerts", "none").startswith("Denne kanalen får ingen varsler.")


def test_a_form_refused_before_the_language_was_set_is_told_in_the_readers_language():
    refusal = TamperedMetadata()  # raised by the middleware, where English is still the active language
    with i18n.use("nb"):
        assert refusal.message.startswith("Skjemaets data kunne ikke verifiseres")
    assert refusal.message.startswith("This form's data could not be verified")


# --- handlers called directly ----------------------------------------------------------------------------------------


@pytest.fixture(name="deps")
def deps_fixture(fake_slack, db_url, sessions) -> Deps:
    """Single-workspace settings pointed at the fake Slack and this test's database (as tests/slack's `deps`)."""
    settings = get_settings(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="replies-signing-secret",
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=db_url,
        SLACK_CLIENT_ID=None,
        SLACK_CLIENT_SECRET=None,
        SLACK_APP_TOKEN=None,
        REDIS_URL=None,
    )
    return Deps(settings=settings, sessions=sessions)


def _request(deps, fake_slack, key: str, body: dict, **kw) -> Request:
    response_url = fake_slack.response_url(key)
    return Request.for_test(
        deps,
        WebClient(token="xoxb-test", base_url=fake_slack.base_url),
        {**body, "response_url": response_url},
        team_id=TEAM,
        user_id=USER,
        kind=body.get("type", "command"),
        respond=Respond(response_url=response_url),
        **kw,
    )


def _said(fake_slack, key: str) -> str:
    return fake_slack.responses_to(key)[0].body["text"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_note_added_by_command_is_confirmed_in_norwegian(deps, fake_slack, sessions):
    number = make_deal(sessions, Actor(TEAM, USER), assignee=USER)
    with i18n.use("nb"):
        commands.opp(_request(deps, fake_slack, "note", {"text": f"note {number} Ringte dem"}))
    assert _said(fake_slack, "note").startswith(f"*Notat lagt til på #{number}.*")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_refused_command_is_told_in_norwegian_with_its_usage(deps, fake_slack):
    req = _request(deps, fake_slack, "move", {"text": "move 42"})
    with i18n.use("nb"):
        try:
            commands.opp(req)
        except Exception as exc:  # the pipeline's adapter hands every error to the one handler
            error_handler.handle(req, exc)
    text = _said(fake_slack, "move")
    assert text.startswith("Flytte avtale #42 til hvilket trinn?")
    assert text.endswith("\nBruk: `/opp move <nr> <trinn>`")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_notify_without_subscriptions_answers_in_norwegian(deps, fake_slack):
    with i18n.use("nb"):
        commands.opp(_request(deps, fake_slack, "notify", {"text": "notify"}))
    assert _said(fake_slack, "notify").startswith("Ingen kanal får avtalevarsler ennå.")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_error_handler_sentences_in_norwegian(deps, fake_slack):
    req = _request(deps, fake_slack, "oops", {"text": "show 1"})
    slack_refused = SlackApiError("refused", {"ok": False, "error": "invalid_blocks"})
    with i18n.use("nb"):
        assert error_handler.message_for(req, RuntimeError()).startswith("Beklager, noe gikk galt hos oss")
        assert error_handler.message_for(req, slack_refused).startswith("Slack godtok ikke dette i tide")
        req.saved = True
        after = error_handler.message_for(req, slack_refused)
    assert after.startswith("Endringen din er lagret, men Slack nektet å vise resultatet (invalid_blocks).")
    assert error_handler.message_for(req, RuntimeError()).startswith("Your change was saved, but I couldn't show")
