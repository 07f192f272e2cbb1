"""/opp notify: parsing the escaped channel, stages and minimum; only managers change subscriptions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import InvalidInput, PermissionDenied
from oppbot.domain.stages import Stage
from oppbot.services import notifications
from oppbot.slack.listeners.commands.notify import parse_subscribe


def test_the_escaped_channel_stages_and_minimum_with_currency_are_read_from_the_text():
    request = parse_subscribe("<#C0123ABC|sales> prop neg 10k EUR")
    assert request.channel_id == "C0123ABC"
    assert request.stages == (Stage.PROPOSAL, Stage.NEGOTIATION)
    assert (request.min_amount, request.min_currency) == ("10k", "EUR")


def test_a_channel_escaped_without_its_name_is_accepted():
    assert parse_subscribe("<#C999|>").channel_id == "C999"


@pytest.mark.parametrize("text", ["sales", "#sales", "<@U123>", "<#C1|x> banana", "<#C1|x> EUR"])
def test_text_without_a_channel_or_with_an_unknown_word_is_refused_in_words(text):
    with pytest.raises(InvalidInput) as caught:
        parse_subscribe(text)
    assert caught.value.message


def test_only_a_manager_can_subscribe_or_unsubscribe_a_channel(sessions, rep, manager):
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as session:
        notifications.subscribe(session, rep, "C1")
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, "C1", [Stage.CLOSED_WON], "5000")
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as session:
        notifications.unsubscribe(session, rep, "C1")

    with unit_of_work(sessions) as session:
        (sub,) = notifications.list_subscriptions(session, rep)
    assert sub.stages == (Stage.CLOSED_WON,) and sub.min_amount == Decimal("5000") and sub.min_currency == "USD"


def test_subscribing_again_replaces_the_filters_and_off_removes_the_channel(sessions, manager):
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, "C1", [Stage.LEAD], "100")
    with unit_of_work(sessions) as session:
        notifications.subscribe(session, manager, "C1")
    with unit_of_work(sessions) as session:
        (sub,) = notifications.list_subscriptions(session, manager)
        assert sub.stages == () and sub.min_amount is None
        assert notifications.unsubscribe(session, manager, "C1") is True
    with unit_of_work(sessions) as session:
        assert notifications.list_subscriptions(session, manager) == []
        assert notifications.unsubscribe(session, manager, "C1") is False
