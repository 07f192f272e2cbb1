"""block_suggestion: the customer, currency and App Home deal pickers. Answered straight from the database."""

from __future__ import annotations

from slack_bolt import Ack, App

from oppbot.db.repositories import get_opportunity
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import OppbotError
from oppbot.domain.refs import looks_like_ref, parse_ref
from oppbot.services import customers, queries
from oppbot.services.context import Actor
from oppbot.slack.blocks import modals
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action, Block, input_action
from oppbot.slack.listeners.views.open_views import workspace_currency

GROUP_LIMIT = 20


def customer_option_groups(matches: list[customers.CustomerMatch]) -> list[dict]:
    """Organizations and Individuals as two groups (empty groups left out: Slack refuses them)."""
    groups = []
    for label, kind in (("Organizations", "organization"), ("Individuals", "individual")):
        options = []
        for match in matches:
            if match.ref.kind.value != kind:
                continue
            shown = match.name + (f" · {match.detail}" if match.detail else "")
            options.append(modals.option(shown, match.ref.encode()))
        if options:
            groups.append({"label": modals.text(label, 75), "options": options[:100]})
    return groups


def deal_options(items) -> list[dict]:
    return [modals.option(f"#{opp.number} {opp.title}", f"deal:{opp.number}") for opp in items]


def _actor(body: dict) -> Actor:
    # Tenant scope comes from the payload's team: options never reach another workspace's rows.
    team_id = (body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id")
    return Actor(team_id, (body.get("user") or {}).get("id", ""))


def register(app: App, deps: Deps) -> None:
    def customer_options(ack: Ack, body: dict) -> None:
        actor = _actor(body)
        with unit_of_work(deps.sessions) as session:
            matches = customers.search_customers(session, actor, body.get("value") or "", limit=GROUP_LIMIT * 2)
        groups = customer_option_groups(matches)
        if groups:
            ack(option_groups=groups)
        else:
            ack(options=[])

    def currency_options(ack: Ack, body: dict) -> None:
        actor = _actor(body)
        ack(options=modals.currency_options(body.get("value") or "", workspace_currency(deps, actor.team_id)))

    def find_deal_options(ack: Ack, body: dict) -> None:
        actor = _actor(body)
        text = (body.get("value") or "").strip()
        with unit_of_work(deps.sessions) as session:
            if looks_like_ref(text):
                try:
                    items = [get_opportunity(session, actor.team_id, parse_ref(text))]
                except OppbotError:  # missing, or another workspace's: the same empty answer
                    items = []
            elif text:
                items = queries.search(session, actor, text, limit=20).items
            else:
                items = queries.list_deals(session, actor, queries.ListQuery(open_only=True), limit=20).items
        ack(options=deal_options(items))

    app.options(input_action(Block.CUSTOMER))(customer_options)
    app.options(input_action(Block.CURRENCY))(currency_options)
    app.options(Action.HOME_FIND.value)(find_deal_options)
