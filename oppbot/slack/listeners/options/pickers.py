"""block_suggestion: the customer, currency and App Home deal pickers. Answered straight from the database."""

from __future__ import annotations

from slack_bolt import App

from oppbot.db.repositories import get_opportunity
from oppbot.domain.errors import OppbotError
from oppbot.domain.refs import looks_like_ref, parse_ref
from oppbot.i18n import N_, _
from oppbot.services import customers, queries
from oppbot.slack.blocks import modals
from oppbot.slack.blocks.common import option, plain_text
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action, Block, input_action
from oppbot.slack.listeners.views.open_views import workspace_currency
from oppbot.slack.pipeline import Request, answer

GROUP_LIMIT = 20


def customer_option_groups(matches: list[customers.CustomerMatch]) -> list[dict]:
    """Organizations and Individuals as two groups (empty groups left out: Slack refuses them)."""
    groups = []
    for label, kind in ((N_("Organizations"), "organization"), (N_("Individuals"), "individual")):
        options = []
        for match in matches:
            if match.ref.kind.value != kind:
                continue
            shown = match.name + (f" · {match.detail}" if match.detail else "")
            options.append(option(shown, match.ref.encode()))
        if options:
            groups.append({"label": plain_text(_(label), 75), "options": options[:100]})
    return groups


def deal_options(items) -> list[dict]:
    return [option(f"#{opp.number} {opp.title}", f"deal:{opp.number}") for opp in items]


def customer_options(req: Request) -> dict:
    with req.unit_of_work() as session:
        matches = customers.search_customers(session, req.unresolved, _typed(req), limit=GROUP_LIMIT * 2)
    groups = customer_option_groups(matches)
    return {"option_groups": groups} if groups else {"options": []}


def currency_options(req: Request) -> dict:
    return {"options": modals.currency_options(_typed(req), workspace_currency(req))}


def find_deal_options(req: Request) -> dict:
    actor, text = req.unresolved, _typed(req).strip()
    with req.unit_of_work() as session:
        if looks_like_ref(text):
            try:
                items = [get_opportunity(session, actor.team_id, parse_ref(text))]
            except OppbotError:  # missing, or another workspace's: the same empty answer
                items = []
        elif text:
            items = queries.search(session, actor, text, limit=20).items
        else:
            items = queries.list_deals(session, actor, queries.ListQuery(open_only=True), limit=20).items
    return {"options": deal_options(items)}


def _typed(req: Request) -> str:
    value = req.body.get("value")
    return value if isinstance(value, str) else ""


def register(app: App, deps: Deps) -> None:
    # Tenant scope is Bolt's context team: options never reach another workspace's rows.
    app.options(input_action(Block.CUSTOMER))(answer(customer_options))
    app.options(input_action(Block.CURRENCY))(answer(currency_options))
    app.options(Action.HOME_FIND.value)(answer(find_deal_options))
