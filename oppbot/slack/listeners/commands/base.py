"""The contract between the /opp dispatcher and its subcommand handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oppbot.slack.pipeline import Request


@dataclass(slots=True)
class Reply:
    """What a handler answers. Ephemeral unless `in_channel`; `text` is the notification fallback."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False


# A command's Request: `name` is the subcommand as typed, lower-cased ("move"); `args` the rest, stripped.
CommandContext = Request


Handler = Callable[[CommandContext], Reply | None]


@dataclass(frozen=True, slots=True)
class Subcommand:
    names: tuple[str, ...]
    handler: Handler
    usage: str  # "/opp move <ref> <stage>", marked with N_(): shown through _() (placeholders translated)
    summary: str  # one line for /opp help, marked with N_() like the usage
    # Sub-forms the handler dispatches on itself, listed in /opp help under their own usage: (usage, summary).
    forms: tuple[tuple[str, str], ...] = ()
