"""Who is acting, in which workspace, with which role."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    team_id: str
    user_id: str
    is_manager: bool = False
