"""Whose language oppbot speaks (issue 14): the resolution order for a user and for a channel, the spellings a
person may type, the lazy language a request speaks in, and the `lang` option of a channel's subscriptions."""

from __future__ import annotations

import threading

import pytest

from oppbot import i18n
from oppbot.domain.errors import InvalidInput
from oppbot.services import languages
from oppbot.services.languages import AUTO, ReaderFacts, for_channel, for_reader, parse_language
from oppbot.slack import parsing
from oppbot.slack.listeners.commands import notify, schedules


@pytest.mark.parametrize(
    ("choice", "locale", "workspace", "expected"),
    [
        ("nb", "en-US", "en", "nb"),  # the user's own choice first
        ("en", "nb-NO", "nb", "en"),
        (None, "nb-NO", "en", "nb"),  # else their Slack locale, where it is supported
        (None, "en-GB", "nb", "nb"),  # Slack says English to every Norwegian (it has no Norwegian): no choice
        (None, "en-US", None, "en"),
        (None, "fr-FR", "nb", "nb"),  # an unsupported locale is passed over: the workspace's
        (None, None, "nb", "nb"),  # nothing cached yet (a modal before users.info): the workspace's
        (None, None, None, "en"),  # else English
        (None, "de-DE", None, "en"),
    ],
)
def test_what_one_user_sees_follows_choice_then_slack_locale_then_workspace_then_english(
    choice, locale, workspace, expected
):
    assert for_reader(choice, locale, workspace) == expected
    assert ReaderFacts(choice, locale, workspace).language() == expected


def test_a_locale_the_payload_carries_is_fresher_than_the_cached_one_but_not_than_a_choice():
    assert ReaderFacts(None, "en-US", "en").language(payload_locale="nb-NO") == "nb"
    assert ReaderFacts("en", "en-US", "nb").language(payload_locale="nb-NO") == "en"
    assert ReaderFacts(None, "nb-NO", "en").language(payload_locale=None) == "nb"


@pytest.mark.parametrize(
    ("channel", "workspace", "expected"),
    [("nb", "en", "nb"), ("en", "nb", "en"), (None, "nb", "nb"), (None, None, "en")],
)
def test_what_a_channel_sees_follows_its_subscription_then_the_workspace(channel, workspace, expected):
    assert for_channel(channel, workspace) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        *[("nb", "nb"), ("NB", "nb"), ("norsk", "nb"), ("Norwegian", "nb"), ("no", "nb"), ("nb-NO", "nb")],
        *[("en", "en"), ("English", "en"), ("en-GB", "en")],
    ],
)
def test_the_spellings_a_person_types(word, expected):
    assert parse_language(word) == expected


def test_auto_is_only_a_users_word_and_an_unknown_language_is_refused_with_the_choices():
    assert parse_language("auto", allow_auto=True) is None
    with pytest.raises(InvalidInput) as refused:
        parse_language("auto")
    assert "nb or en" in str(refused.value)
    with pytest.raises(InvalidInput) as refused:
        parse_language("klingon", allow_auto=True)
    assert "'klingon'" in str(refused.value) and "nb, en or auto" in str(refused.value)


def test_a_lazy_language_is_asked_on_the_first_text_only_and_only_once():
    asked = []

    def find():
        asked.append(1)
        return "nb-NO"

    with i18n.use(find):
        assert asked == []  # nothing said yet: nothing looked up
        assert i18n.current() == "nb"
        assert i18n.current() == "nb"
    assert asked == [1]
    assert i18n.current() == "en"


def test_a_lazy_language_that_fails_speaks_english_instead_of_failing_the_reply():
    def broken():
        raise RuntimeError("database down")

    with i18n.use(broken):
        assert i18n.current() == "en"


def test_the_language_is_per_thread():
    seen = {}

    def other():
        seen["other"] = i18n.current()

    with i18n.use("nb"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        seen["here"] = i18n.current()
    assert seen == {"other": "en", "here": "nb"}


def test_lang_anywhere_among_a_subscriptions_options():
    assert parsing.take_language(["weekly", "mon", "09:00", "lang", "nb"], "ex") == (["weekly", "mon", "09:00"], "nb")
    assert parsing.take_language(["språk", "norsk", "tz", "Europe/Oslo"], "ex") == (["tz", "Europe/Oslo"], "nb")
    assert parsing.take_language(["lang", "auto"], "ex") == ([], AUTO)
    assert parsing.take_language(["at", "08:00"], "ex") == (["at", "08:00"], None)
    with pytest.raises(InvalidInput):
        parsing.take_language(["lang"], "ex")
    with pytest.raises(InvalidInput):
        parsing.take_language(["lang", "xx"], "ex")


def test_digest_alerts_and_notify_take_the_lang_option():
    assert schedules.parse_options(["weekly", "fri", "15:00", "lang", "nb"], "digest")["language"] == "nb"
    assert schedules.parse_options(["at", "08:00", "lang", "en"], "alerts")["language"] == "en"
    assert "language" not in schedules.parse_options(["at", "08:00"], "alerts")
    request = notify.parse_subscribe("<#C123|sales> proposal lang nb 10000 EUR")
    assert (request.channel_id, request.language, request.min_amount) == ("C123", "nb", "10000")
    assert notify.parse_subscribe("<#C123|sales>").language is None


def test_each_language_is_named_in_the_language_spoken():
    assert (languages.name_of("nb"), languages.name_of("en")) == ("Norwegian (Bokmål)", "English")
    with i18n.use("nb"):
        assert (languages.name_of("nb"), languages.name_of("en")) == ("norsk (bokmål)", "engelsk")
