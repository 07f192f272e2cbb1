"""Exchange rates (set, import), snapshots and accuracy, and the Slack builders over real results."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from integration.pipeline_gen import TEAM, TODAY, load

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import PermissionDenied
from oppbot.domain.periods import parse_period
from oppbot.services import fx
from oppbot.services.forecast import forecast, forecast_accuracy, pipeline_summary, take_snapshot
from oppbot.services.stats import stats
from oppbot.slack.blocks.forecast import build_accuracy, build_forecast, build_fx_list, build_stats

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_only_managers_set_rates_and_a_rate_is_updated_in_place(sessions, rep, manager):
    load(sessions, 5)
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        fx.set_rate(s, rep, "EUR", "1.2", None, today=TODAY)
    with unit_of_work(sessions) as s:
        assert fx.set_rate(s, manager, "eur", "1,25", None, today=TODAY).outcome == "added"
    with unit_of_work(sessions) as s:
        assert fx.set_rate(s, manager, "EUR", "1.26", TODAY, today=TODAY).outcome == "updated"
    with unit_of_work(sessions) as s:
        assert fx.list_rates(s, TEAM).rate_on("EUR", TODAY).rate == Decimal("1.26")


def test_a_csv_import_reports_bad_lines_by_number_and_keeps_the_good_ones(sessions, manager):
    load(sessions, 5)
    text = (
        "date,currency,rate\n2026-11-01,SEK,0.094\n2026-13-01,SEK,0.1\n2026-11-02,ABC,1\n2026-11-03,USD,1\n"
        "2026-11-04,DKK,-1\n2026-11-05,DKK\n2026-11-01,SEK,0.095\n2026-01-01,EUR,1.10\n"
    )
    seen = []
    with unit_of_work(sessions) as s:
        result = fx.import_csv(s, manager, text, progress=lambda n, total: seen.append(n))
    assert (result.added, result.unchanged) == (1, 1)
    assert [n for n, _ in result.errors] == [3, 4, 5, 6, 7, 8]
    assert "1 added" in result.summary and "6 bad line" in result.summary
    assert seen


def test_a_start_snapshot_is_taken_once_and_compared_with_what_closed(sessions):
    load(sessions, 800)
    period = parse_period("2026-11", TODAY)
    with unit_of_work(sessions) as s:
        first = take_snapshot(s, TEAM, period, now=NOW)
    with unit_of_work(sessions) as s:
        again = take_snapshot(s, TEAM, period, now=NOW.replace(hour=13))
        manual = take_snapshot(s, TEAM, period, "manual", now=NOW)
    assert first.created and not again.created and manual.created
    assert again.snapshot.id == first.snapshot.id
    with unit_of_work(sessions) as s:
        acc = forecast_accuracy(s, TEAM, period)
        actual = forecast(s, TEAM, period, today=TODAY).won
    assert acc.snapshot.label == "start"
    assert acc.forecast_weighted == Decimal(first.snapshot.data["weighted"]) == first.snapshot.weighted_total
    assert (acc.actual_won, acc.actual_count, acc.missing) == (actual.value, actual.count, actual.missing_count)
    text = str(build_accuracy(acc))
    assert "Forecast vs actual" in text


def test_every_output_shows_missing_rate_deals_apart_and_escapes_titles(sessions):
    load(sessions, 400)
    with unit_of_work(sessions) as s:
        q4 = forecast(s, TEAM, parse_period("2026-Q4", TODAY), today=TODAY)
        pipe = pipeline_summary(s, TEAM, today=TODAY)
        st = stats(s, TEAM, None, today=TODAY, now=NOW)
        rates = fx.list_rates(s, TEAM)
    for result in (q4, pipe):
        assert result.missing_total > 0
        built = build_forecast(result, show_currencies=True)
        text = str(built)
        assert "no exchange rate" in text and "Rates used" in text
        assert "&lt;" in text and "<1" not in text.replace("<@", "")
        assert len(built) <= 50
    stat_blocks = build_stats(st)
    assert len(stat_blocks) <= 50 and "without a rate" in str(stat_blocks)
    assert "1 EUR = 1.10 USD" in str(build_fx_list(rates))
    for block in build_forecast(q4) + stat_blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
