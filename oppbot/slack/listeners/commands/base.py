"""The contract between the /opp dispatcher and its subcommand handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from oppbot.services.context import Actor
from oppbot.slack.deps import Deps


@dataclass(slots=True)
class Reply:
    """What a handler answers. Ephemeral unless `in_channel`; `text` is the notification fallback."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False


@dataclass
class CommandContext:
    deps: Deps
    client: WebClient
    respond: Respond
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    name: str  # the subcommand as typed, lower-cased ("move")
    args: str  # the rest of the text, stripped
    resolve_actor: Callable[[], Actor] = field(repr=False)

    @cached_property
    def actor(self) -> Actor:
        return self.resolve_actor()


Handler = Callable[[CommandContext], Reply | None]


@dataclass(frozen=True, slots=True)
class Subcommand:
    names: tuple[str, ...]
    handler: Handler
    usage: str  # "/opp move <ref> <stage>"
    summary: str  # one line for /opp help
    # Sub-forms the handler dispatches on itself, listed in /opp help under their own usage: (usage, summary).
    forms: tuple[tuple[str, str], ...] = ()
    # Handlers that open a modal must call views.open first: the trigger_id dies 3 s after the click.
    opens_modal: bool = False
