"""The figures charts are drawn from, and where a chart may be posted. Reads only; oppbot/charts.py draws."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from oppbot.charts import FunnelStage, PeriodFigures
from oppbot.domain.fx import rounded
from oppbot.domain.periods import Period
from oppbot.i18n import _
from oppbot.services import digests, workspaces
from oppbot.services.forecast import Forecast, forecast, pipeline_summary


@dataclass(frozen=True, slots=True)
class Funnel:
    currency: str
    stages: list[FunnelStage]
    missing: int  # open deals left out for want of an exchange rate


@dataclass(frozen=True, slots=True)
class ForecastFigures:
    currency: str
    periods: list[PeriodFigures]


def funnel_of(result: Forecast) -> Funnel:
    r = result.reporting
    stages = [
        FunnelStage(line.stage, line.count, rounded(line.value, r), rounded(line.weighted, r))
        for line in result.open.stages
    ]
    return Funnel(r, stages, result.open.missing_count)


def funnel(session: Session, team_id: str, today: date, *, assignee_id: str | None = None) -> Funnel:
    """Open deals per stage, unweighted and weighted, in the reporting currency (the same figures as the forecast)."""
    return funnel_of(pipeline_summary(session, team_id, assignee_id=assignee_id, today=today))


def figures_of(results: list[Forecast]) -> ForecastFigures:
    periods = [
        PeriodFigures(result.period.label if result.period else _("Pipeline"), result.open.weighted, result.won.value)
        for result in results
    ]
    return ForecastFigures(results[0].reporting if results else "USD", periods)


def forecast_figures(session: Session, team_id: str, period: Period, today: date, **filters) -> ForecastFigures:
    return figures_of([forecast(session, team_id, period, today=today, **filters)])


@dataclass(frozen=True, slots=True)
class DigestCharts:
    funnel: Funnel
    forecast: ForecastFigures


def digest_charts(session: Session, team_id: str, now: datetime) -> DigestCharts:
    """What the weekly digest's two charts show: the open pipeline, and this month's and quarter's forecast vs won."""
    today = workspaces.load_rules(session, team_id).today(now)
    return DigestCharts(funnel(session, team_id, today), figures_of(digests.period_forecasts(session, team_id, today)))
