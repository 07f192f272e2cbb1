"""Slack-side flows shared by the billing commands, buttons and modals: invoice posting, time zones."""

from __future__ import annotations

import logging

from sqlalchemy import select

from oppbot import i18n
from oppbot.db import repositories as repo
from oppbot.db.models import CardMessage
from oppbot.db.session import unit_of_work
from oppbot.i18n import _
from oppbot.services import invoices, languages
from oppbot.services.policy import may_post_in_channel
from oppbot.slack.blocks.invoice import build_invoice, invoice_text
from oppbot.slack.deps import Deps
from oppbot.slack.pipeline import Request
from oppbot.slack.roles import user_timezone

log = logging.getLogger(__name__)


def viewer_tz(deps: Deps, team_id: str, user_id: str) -> str:
    """The user's zone from the users.info cache, else the workspace's, else UTC."""
    tz = user_timezone(deps, team_id, user_id)
    if tz:
        return tz
    with unit_of_work(deps.sessions) as session:
        workspace = repo.get_workspace(session, team_id)
        return workspace.timezone if workspace is not None else "UTC"


def generate_and_post_invoice(req: Request, number: int) -> str:
    """Make (or find) the invoice, post a new one in the deal card's thread (or to the user); return words for them."""
    deps, client, actor = req.deps, req.client, req.actor
    with req.unit_of_work() as session:
        outcome = invoices.generate_invoice(session, actor, number)
        card = session.execute(
            select(CardMessage.channel_id, CardMessage.ts)
            .where(CardMessage.team_id == actor.team_id, CardMessage.opportunity_id == outcome.opportunity.id)
            .order_by(CardMessage.posted_at.desc(), CardMessage.id.desc())
            .limit(1)
        ).first()
        opp = outcome.opportunity
        title, customer = opp.title, opp.customer_name
    if not outcome.created:
        return _(
            "Invoice {label} already exists for these billables of deal #{number}; no new invoice was made.",
            label=outcome.label,
            number=number,
        )
    tz = viewer_tz(deps, actor.team_id, actor.user_id)
    blocks = build_invoice(outcome.invoice, deal_number=number, deal_title=title, customer_name=customer, tz=tz)
    kwargs = {"text": invoice_text(outcome.invoice, customer), "blocks": blocks}
    if card is not None and may_post_in_channel(actor):
        with (
            unit_of_work(deps.sessions) as session,
            i18n.use(languages.channel_language(session, actor.team_id, card.channel_id)),
        ):
            # the thread's readers: the channel's language, not the one of who asked
            blocks = build_invoice(outcome.invoice, deal_number=number, deal_title=title, customer_name=customer, tz=tz)
            kwargs = {"text": invoice_text(outcome.invoice, customer), "blocks": blocks}
        client.chat_postMessage(channel=card.channel_id, thread_ts=card.ts, **kwargs)
        return _("Invoice {label} created and posted in the deal's thread.", label=outcome.label)
    client.chat_postMessage(channel=actor.user_id, **kwargs)
    if card is not None:
        return _(
            "Invoice {label} created; I sent it to you in a DM (only managers post invoices in a channel).",
            label=outcome.label,
        )
    return _("Invoice {label} created; I sent it to you in a DM.", label=outcome.label)
