"""/opp stats for a period: conversion and time in stage count the period's stage entries, each followed to its
next move even when that move falls after the period (the window only skips entries before the period)."""

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from integration.pipeline_gen import OPEN, TEAM, TODAY, load, local_day
from sqlalchemy import select

from oppbot.db.models import StageChange
from oppbot.domain.analytics import median
from oppbot.domain.periods import parse_period
from oppbot.domain.stages import Stage
from oppbot.services.stats import stats

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_conversion_in_a_period_follows_each_entry_to_its_next_move_even_after_the_period(sessions):
    load(sessions, 1500, seed=5)
    period = parse_period("2026-03-01..2026-08-31", TODAY)
    with sessions() as s:
        result = stats(s, TEAM, period, today=TODAY, now=NOW)
        history = s.execute(
            select(StageChange.opportunity_id, StageChange.to_stage, StageChange.changed_at, StageChange.id).where(
                StageChange.team_id == TEAM
            )
        ).all()
    ordered = defaultdict(list)
    for opp_id, to_stage, at, _ in sorted(history, key=lambda h: (h[0], h[2], h[3])):
        ordered[opp_id].append((to_stage, at if at.tzinfo else at.replace(tzinfo=UTC)))
    order = [s.value for s in Stage]
    entered, advanced, stays = defaultdict(int), defaultdict(int), defaultdict(list)
    crossing = 0
    for steps in ordered.values():
        for (stage, at), following in zip(steps, [*steps[1:], None], strict=True):
            if stage not in OPEN or local_day(at) not in period:
                continue
            entered[stage] += 1
            if following:
                crossing += local_day(following[1]) not in period
                stays[stage].append(Decimal((following[1] - at).total_seconds()) / 86400)
                if order.index(following[0]) > order.index(stage) and following[0] != "closed_lost":
                    advanced[stage] += 1
    assert crossing > 0 and sum(entered.values()) < len(history)  # the data exercises both edges
    for conv in result.conversion:
        assert (conv.entered, conv.advanced) == (entered[conv.stage.value], advanced[conv.stage.value])
        assert result.time_in_stage[conv.stage] == median(stays[conv.stage.value])
