"""The grammar of /opp category, quota, forecast adjust, changes and room: typed commands or a usable error."""

from datetime import date, timedelta

import pytest

from oppbot.domain.categories import Category, parse_category
from oppbot.domain.errors import InvalidInput
from oppbot.slack import parsing

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("commit", Category.COMMIT),
        ("Best", Category.BEST_CASE),
        ("best-case", Category.BEST_CASE),
        ("Forpliktet", Category.COMMIT),
        ("beste utfall", Category.BEST_CASE),
        ("utelatt", Category.OMITTED),
        ("omit", Category.OMITTED),
        ("pipeline", Category.PIPELINE),
        ("Lukket", Category.CLOSED),
    ],
)
def test_categories_in_english_and_norwegian(word, category):
    assert parse_category(word) == category


def test_category_command():
    assert parsing.parse_category_command("#42 commit") == parsing.SetCategory(42, Category.COMMIT)
    assert parsing.parse_category_command("OPP-7 stage") == parsing.SetCategory(7, None)
    with pytest.raises(InvalidInput, match="not a forecast category"):
        parsing.parse_category_command("42 maybe")
    with pytest.raises(InvalidInput, match="Which category"):
        parsing.parse_category_command("42")


def test_quota_sets_for_a_rep_or_the_team_and_lists():
    command = parsing.parse_quota("<@U123|maria> 2027-Q1 250000 EUR", TODAY)
    assert (command.user_id, command.period.key, command.amount, command.currency) == (
        "U123",
        "2027-Q1",
        "250000",
        "EUR",
    )
    team = parsing.parse_quota("team 2027-01 1.5k", TODAY)
    assert (team.user_id, team.period.key, team.currency) == (None, "2027-01", None)
    assert parsing.parse_quota("", TODAY) == parsing.ListQuotas(None)
    assert parsing.parse_quota("2027-Q1", TODAY).period.key == "2027-Q1"
    with pytest.raises(InvalidInput, match="month or a quarter"):
        parsing.parse_quota("team 2027 100", TODAY)
    with pytest.raises(InvalidInput, match="not a Slack user"):
        parsing.parse_quota("maria 2027-Q1 100", TODAY)


def test_adjust_takes_a_quoted_or_plain_reason():
    command = parsing.parse_adjust('<@U1> 2027-Q1 180000 "two deals slip"', TODAY)
    assert (command.user_id, command.period.key, command.amount, command.note) == (
        "U1",
        "2027-Q1",
        "180000",
        "two deals slip",
    )
    assert parsing.parse_adjust("<@U1> 2027-Q1 1 gut feeling", TODAY).note == "gut feeling"
    with pytest.raises(InvalidInput, match="Say why"):
        parsing.parse_adjust("<@U1> 2027-Q1 1", TODAY)


def test_changes_since_a_date_last_week_or_the_last_digest():
    assert parsing.parse_changes("", TODAY) == parsing.ShowChanges(None, None)
    assert parsing.parse_changes("last-week", TODAY).since == TODAY - timedelta(days=7)
    assert parsing.parse_changes("last week", TODAY).since == TODAY - timedelta(days=7)
    command = parsing.parse_changes("since 2026-11-02 2026-Q4", TODAY)
    assert (command.since, command.period.key) == (date(2026, 11, 2), "2026-Q4")
    with pytest.raises(InvalidInput, match="not a date"):
        parsing.parse_changes("since yesterday", TODAY)
    with pytest.raises(InvalidInput, match="future"):
        parsing.parse_changes("since 2027-01-01", TODAY)


def test_room_takes_one_deal():
    assert parsing.parse_room("#42") == parsing.Room(42)
    with pytest.raises(InvalidInput):
        parsing.parse_room("42 43")


def test_room_names_are_what_slack_accepts():
    from oppbot.services.rooms import room_name

    assert room_name(42, "Ærlig Bakeri & Co") == "deal-42-aerlig-bakeri-co"
    assert room_name(42, "Ærlig Bakeri & Co", 1) == "deal-42-aerlig-bakeri-co-2"
    assert room_name(7, "<!channel> ☃") == "deal-7-channel"
    assert room_name(7, "") == "deal-7"
    long = room_name(123456789, "x" * 200, 3)
    assert len(long) <= 80 and long.endswith("-4")
