"""What listeners need besides the request: settings and the database, built once by build_app()."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from oppbot.config import Settings
from oppbot.slack.response_urls import ReplyPoster


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    replies: ReplyPoster | None = None  # posts response_url replies off the listener threads; None: Bolt's respond
