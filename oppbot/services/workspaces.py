"""Workspaces: created on first contact, their rules, and who counts as a manager."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.models import Workspace
from oppbot.domain.money import normalise_currency
from oppbot.domain.workspace import WorkspaceRules


def ensure_workspace(session: Session, team_id: str, *, default_currency: str, name: str | None = None) -> Workspace:
    """The workspace row, made on first use with the deployment's default currency."""
    workspace = repo.get_workspace(session, team_id)
    if workspace is None:
        currency = normalise_currency(default_currency)
        workspace = Workspace(
            team_id=team_id,
            name=name,
            currency=currency,
            reporting_currency=currency,
            timezone="UTC",
            stage_probabilities={},
            stale_days={},
            loss_reasons=[],
        )
        session.add(workspace)
        session.flush()
    return workspace


def rules_for(workspace: Workspace) -> WorkspaceRules:
    return WorkspaceRules.from_stored(
        currency=workspace.currency,
        reporting_currency=workspace.reporting_currency,
        timezone=workspace.timezone,
        probabilities=workspace.stage_probabilities,
        stale_days=workspace.stale_days,
        loss_reasons=workspace.loss_reasons,
        categories=workspace.stage_categories,
        archive_rooms=workspace.archive_rooms,
    )


def load_rules(session: Session, team_id: str) -> WorkspaceRules:
    workspace = repo.get_workspace(session, team_id)
    return rules_for(workspace) if workspace is not None else WorkspaceRules()


def is_named_manager(session: Session, team_id: str, user_id: str) -> bool:
    return user_id in repo.manager_ids(session, team_id)
