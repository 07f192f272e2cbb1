"""Bolt views listeners: modal submissions, and the buttons that live inside modals."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from oppbot.services.context import Actor
from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action


def register(app: App, deps: Deps) -> None:
    from oppbot.slack.blocks.modals import decode_metadata
    from oppbot.slack.listeners.views import billing, customers, imports, open_views, submissions

    submissions.register(app, deps)
    billing.register(app, deps)
    imports.register(app, deps)
    customers.register(app, deps)

    def new_customer(ack: Ack, body: dict, client: WebClient) -> None:
        """The deal modal's "New customer" button: push the customer modal on top of it."""
        ack()
        team_id = (body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id")
        meta = decode_metadata((body.get("view") or {}).get("private_metadata"))
        actor = Actor(team_id, body["user"]["id"])
        open_views.open_customer(client, body["trigger_id"], deps, actor, push=True, channel_id=meta.get("c"))

    app.action(Action.NEW_CUSTOMER.value)(new_customer)

    from oppbot.slack.listeners.views import alerts

    alerts.register(app, deps)
