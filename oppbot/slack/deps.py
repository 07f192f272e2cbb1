"""What listeners need besides the request: settings and the database, built once by build_app()."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from oppbot.config import Settings
from oppbot.slack.response_urls import ReplyPoster


@dataclass(frozen=True, slots=True)
class Deps:
    settings: Settings
    sessions: sessionmaker[Session]
    # Posts response_url replies: build_app's posts off the listener threads; a handler called directly (tests, a
    # worker publishing Home) posts on its own thread.
    replies: ReplyPoster = field(default_factory=lambda: ReplyPoster(inline=True))
