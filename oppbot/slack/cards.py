"""The deal card as every surface sends it: fields, billables and activity, read in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oppbot.services import billables, queries
from oppbot.services.context import Actor
from oppbot.services.policy import may_edit
from oppbot.slack.blocks.billables import build_billables_section
from oppbot.slack.blocks.deal_card import deal_message


def deal_card_message(
    session: Session,
    actor: Actor,
    number: int,
    *,
    tz: str | None = None,
    note: str | None = None,
    can_edit: bool | None = None,
) -> dict:
    """{"text", "blocks"} of deal `number` with its Billables section.

    `can_edit` (default: may `actor` edit it?) decides the billables buttons; a card posted to a channel passes
    True, since whoever clicks is re-checked server-side. A fixed number of statements, whatever the deal holds.
    """
    view = queries.show(session, actor, number)
    lines = billables.billables_for(session, actor, number)
    editable = may_edit(actor, view.opportunity) if can_edit is None else can_edit
    section = build_billables_section(lines, can_edit=editable)
    return deal_message(view, tz=tz or view.rules.timezone, note=note, billables=section)
