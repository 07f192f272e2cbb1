"""Bolt actions listeners."""

from __future__ import annotations

from slack_bolt import App

from oppbot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    """Listeners of this kind are added here as they are written."""
    from oppbot.slack.listeners.actions import alerts, billing, deals

    deals.register(app, deps)
    billing.register(app, deps)
    alerts.register(app, deps)
