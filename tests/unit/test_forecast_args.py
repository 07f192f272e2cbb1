"""Parsing `/opp forecast` arguments."""

from datetime import date

import pytest

from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import Stage
from oppbot.slack.listeners.commands.forecast import parse_forecast_args

TODAY = date(2026, 11, 20)


def test_period_user_and_stage_are_read_in_any_order():
    period, who, stages, by_currency = parse_forecast_args("neg 2026-Q4 <@U123|ann> currencies", "UME", TODAY)
    assert (period.key, who, stages, by_currency) == ("2026-Q4", "U123", [Stage.NEGOTIATION], True)


def test_mine_means_the_caller_and_the_default_period_is_this_month():
    period, who, _, _ = parse_forecast_args("mine", "UME", TODAY)
    assert (period.key, who) == ("2026-11", "UME")


def test_unknown_words_get_a_helpful_error():
    with pytest.raises(InvalidInput) as info:
        parse_forecast_args("<!channel>", "UME", TODAY)
    assert "&lt;!channel&gt;" in info.value.message
