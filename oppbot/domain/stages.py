"""The six pipeline stages: order, names and aliases, default probabilities, and moves between them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from oppbot.domain.errors import InvalidInput
from oppbot.i18n import N_, _, ngettext, pgettext


class Stage(StrEnum):
    LEAD = "lead"
    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"

    @property
    def label(self) -> str:
        """The stage's name in the active language (Norwegian: the guide's terms)."""
        return _TRANSLATED[self]()

    @property
    def english(self) -> str:
        """The English name whatever language is active: what parsing and the CSV interface know."""
        return _LABELS[self]

    @property
    def norwegian(self) -> str:
        return _NORWEGIAN[self]

    @property
    def order(self) -> int:
        return _ORDER[self]

    @property
    def default_probability(self) -> int:
        return DEFAULT_PROBABILITIES[self]

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STAGES

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STAGES


_LABELS = {
    Stage.LEAD: "Lead",
    Stage.QUALIFICATION: "Qualification",
    Stage.PROPOSAL: "Proposal",
    Stage.NEGOTIATION: "Negotiation",
    Stage.CLOSED_WON: "Closed-Won",
    Stage.CLOSED_LOST: "Closed-Lost",
}
_NORWEGIAN = {
    Stage.LEAD: "Lead",
    Stage.QUALIFICATION: "Kvalifisering",
    Stage.PROPOSAL: "Forslag",
    Stage.NEGOTIATION: "Forhandling",
    Stage.CLOSED_WON: "Lukket-Vunnet",
    Stage.CLOSED_LOST: "Lukket-Tapt",
}
# Shown names, translated when shown ("stage" context: "Lead" and "Proposal" mean other things elsewhere). The
# English names above are what the alias table is built from, so parsing never depends on the active language.
_TRANSLATED = {
    Stage.LEAD: lambda: pgettext("stage", "Lead"),
    Stage.QUALIFICATION: lambda: pgettext("stage", "Qualification"),
    Stage.PROPOSAL: lambda: pgettext("stage", "Proposal"),
    Stage.NEGOTIATION: lambda: pgettext("stage", "Negotiation"),
    Stage.CLOSED_WON: lambda: pgettext("stage", "Closed-Won"),
    Stage.CLOSED_LOST: lambda: pgettext("stage", "Closed-Lost"),
}
_ORDER = {stage: index for index, stage in enumerate(Stage)}

STAGES: tuple[Stage, ...] = tuple(Stage)
OPEN_STAGES: tuple[Stage, ...] = (Stage.LEAD, Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION)
CLOSED_STAGES: frozenset[Stage] = frozenset({Stage.CLOSED_WON, Stage.CLOSED_LOST})

DEFAULT_PROBABILITIES: dict[Stage, int] = {
    Stage.LEAD: 15,
    Stage.QUALIFICATION: 30,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.CLOSED_WON: 100,
    Stage.CLOSED_LOST: 0,
}

# Stale-deal thresholds in days without activity (a workspace can change them); closed deals are never stale.
DEFAULT_STALE_DAYS: dict[Stage, int] = {
    Stage.LEAD: 14,
    Stage.QUALIFICATION: 7,
    Stage.PROPOSAL: 5,
    Stage.NEGOTIATION: 3,
}


def _normalise(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_ALIASES: dict[str, Stage] = {}
for _stage in Stage:
    for _name in (_stage.value, _stage.english, _stage.norwegian):
        _ALIASES[_normalise(_name)] = _stage
for _alias, _stage in {
    "qual": Stage.QUALIFICATION,
    "qualify": Stage.QUALIFICATION,
    "kval": Stage.QUALIFICATION,
    "prop": Stage.PROPOSAL,
    "neg": Stage.NEGOTIATION,
    "nego": Stage.NEGOTIATION,
    "won": Stage.CLOSED_WON,
    "win": Stage.CLOSED_WON,
    "vunnet": Stage.CLOSED_WON,
    "lost": Stage.CLOSED_LOST,
    "lose": Stage.CLOSED_LOST,
    "tapt": Stage.CLOSED_LOST,
}.items():
    _ALIASES[_alias] = _stage

# Marked for the catalog; show it with stage_example() (or `_(STAGE_EXAMPLE)`) so it reads in the active language.
STAGE_EXAMPLE = N_("lead, qual, prop, neg, won or lost (Norwegian names work too)")


def stage_example() -> str:
    """STAGE_EXAMPLE in the active language: a Norwegian reader is shown the Norwegian stage words."""
    return _(STAGE_EXAMPLE)


def parse_stage(text: str) -> Stage:
    """A stage from what a person typed: any case, with or without dashes, English, short or Norwegian."""
    stage = _ALIASES.get(_normalise(text or ""))
    if stage is None:
        shown = (text or "").strip()[:40] or _("(nothing)")
        raise InvalidInput.field(
            "stage", _("'{shown}' is not a stage. Use {example}.", shown=shown, example=stage_example())
        )
    return stage


def is_stage_word(text: str) -> bool:
    return _normalise(text or "") in _ALIASES


@dataclass(frozen=True, slots=True)
class StageMove:
    """What a move from one stage to another means, before anything is stored."""

    from_stage: Stage
    to_stage: Stage
    skipped: tuple[Stage, ...]

    @property
    def is_forward(self) -> bool:
        return self.to_stage.order > self.from_stage.order and not self.from_stage.is_closed

    @property
    def is_reopen(self) -> bool:
        return self.from_stage.is_closed and self.to_stage.is_open

    @property
    def warning(self) -> str | None:
        if not self.skipped:
            return None
        names = ", ".join(stage.label for stage in self.skipped)
        return ngettext("{names} was skipped.", "{names} were skipped.", len(self.skipped), names=names)


def plan_move(from_stage: Stage, to_stage: Stage) -> StageMove:
    """Forward moves that jump over open stages are allowed but reported; Closed-Lost is reachable from anywhere."""
    skipped: tuple[Stage, ...] = ()
    if from_stage.is_open and to_stage != Stage.CLOSED_LOST and to_stage.order > from_stage.order + 1:
        skipped = tuple(s for s in OPEN_STAGES if from_stage.order < s.order < to_stage.order)
    return StageMove(from_stage, to_stage, skipped)
