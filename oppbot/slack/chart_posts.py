"""Charts as Slack files: which PNGs a digest or a command carries, drawn from the chart service's figures."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from oppbot import charts
from oppbot.db.session import unit_of_work
from oppbot.i18n import _, ngettext
from oppbot.services import charts as figures
from oppbot.slack.files import Upload, post_charts

log = logging.getLogger(__name__)


def funnel_upload(funnel: figures.Funnel, *, locale: str | None, title: str | None = None) -> Upload:
    """The funnel PNG; `title` is already in the reader's language (default: "Pipeline funnel")."""
    title = title or _("Pipeline funnel")
    if funnel.missing:
        # English says "without a rate" whatever the count, as it always did.
        heading = ngettext(
            "{title} ({currency}, open deals) — {n} without a rate left out",
            "{title} ({currency}, open deals) — {n} without a rate left out",
            funnel.missing,
            title=title,
            currency=funnel.currency,
        )
    else:
        heading = _("{title} ({currency}, open deals)", title=title, currency=funnel.currency)
    png = charts.funnel_png(funnel.stages, funnel.currency, title=heading, locale=locale)
    alt = _("Open deals per stage: value and weighted value")
    return Upload("pipeline-funnel.png", png, heading, alt_txt=alt)


def forecast_upload(forecast: figures.ForecastFigures, *, locale: str | None, title: str | None = None) -> Upload:
    """The forecast-vs-actual PNG; `title` is already in the reader's language (default: "Forecast vs actual")."""
    heading = f"{title or _('Forecast vs actual')} ({forecast.currency})"
    png = charts.forecast_png(forecast.periods, forecast.currency, title=heading, locale=locale)
    alt = _("Weighted forecast beside Closed-Won per period")
    return Upload("forecast-vs-actual.png", png, heading, alt_txt=alt)


def post_digest_charts(
    sessions: sessionmaker[Session], client: WebClient, team_id: str, channel_id: str, now: datetime
) -> bool:
    """The digest's funnel and forecast-vs-actual, after its text. Whatever fails here, the digest was posted."""
    try:
        with unit_of_work(sessions) as session:
            data = figures.digest_charts(session, team_id, now)
        files = [funnel_upload(data.funnel, locale=None), forecast_upload(data.forecast, locale=None)]
    except Exception:  # a chart that cannot be made never blocks (or fails) the text digest
        log.exception("digest charts for %s could not be drawn", team_id)
        return False
    return post_charts(client, channel_id, files)


def user_locale(client: WebClient, user_id: str) -> str | None:
    """The user's Slack locale ("nb-NO") for axis labels; None (English) when Slack won't say."""
    try:
        return client.users_info(user=user_id, include_locale=True)["user"].get("locale")
    except Exception:  # labels in English are better than no chart
        log.warning("users.info with locale failed for %s", user_id)
        return None
