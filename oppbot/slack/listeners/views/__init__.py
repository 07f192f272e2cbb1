"""Bolt views listeners: modal submissions, and the buttons that live inside modals."""

from __future__ import annotations

from slack_bolt import App

from oppbot.slack.deps import Deps
from oppbot.slack.ids import Action
from oppbot.slack.pipeline import Request, ack_first


def new_customer(req: Request) -> None:
    """The deal modal's "New customer" button: push the customer modal on top of it."""
    from oppbot.slack.listeners.views import open_views

    open_views.open_customer(req, push=True, channel_id=req.meta.channel_id)


def register(app: App, deps: Deps) -> None:
    from oppbot.slack.listeners.views import alerts, billing, customers, imports, submissions

    submissions.register(app, deps)
    billing.register(app, deps)
    imports.register(app, deps)
    customers.register(app, deps)
    alerts.register(app, deps)
    app.action(Action.NEW_CUSTOMER.value)(ack_first(new_customer))
