"""Where a deal's probability comes from, and what a stage change does to it (one rule for every path)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import DEFAULT_PROBABILITIES, Stage
from oppbot.i18n import _


class ProbabilitySource(StrEnum):
    STAGE = "stage"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Probability:
    value: int
    source: ProbabilitySource

    @classmethod
    def for_stage(cls, stage: Stage, defaults: Mapping[Stage, int] | None = None) -> Probability:
        return cls(stage_default(stage, defaults), ProbabilitySource.STAGE)


@dataclass(frozen=True, slots=True)
class ProbabilityOutcome:
    probability: Probability
    # True when a manual probability was kept through a stage change: the reply suggests reviewing it.
    review_suggested: bool = False


def stage_default(stage: Stage, defaults: Mapping[Stage, int] | None = None) -> int:
    # Closed stages are fixed whatever a workspace configures: won is certain, lost is nothing.
    if stage == Stage.CLOSED_WON:
        return 100
    if stage == Stage.CLOSED_LOST:
        return 0
    if defaults and stage in defaults:
        return defaults[stage]
    return DEFAULT_PROBABILITIES[stage]


def parse_probability(raw: object) -> int:
    """An integer 0–100 from a number or text such as '40' or '40%'."""
    text = str(raw).strip().removesuffix("%").strip() if raw is not None else ""
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput.field(
            "probability",
            _("Probability must be a whole number from 0 to 100, like 40 (got '{text}').", text=text[:20]),
        ) from None
    if not 0 <= value <= 100:
        raise InvalidInput.field("probability", _("Probability must be from 0 to 100 (got {value}).", value=value))
    return value


def resolve_probability(
    current: Probability | None,
    stage: Stage,
    submitted: int | None = None,
    defaults: Mapping[Stage, int] | None = None,
    *,
    stage_changed: bool = True,
) -> ProbabilityOutcome:
    """The probability a deal has after a change that may move its stage and may set a probability.

    `current` is None for a new deal. `submitted` is the probability the user gave, or None when they gave none;
    a value equal to the current one counts as "not changed" (an edit modal shows the current value prefilled).
    """
    if stage.is_closed:
        return ProbabilityOutcome(Probability.for_stage(stage, defaults))

    default = stage_default(stage, defaults)
    if submitted is not None and (current is None or submitted != current.value):
        source = ProbabilitySource.STAGE if current is None and submitted == default else ProbabilitySource.MANUAL
        return ProbabilityOutcome(Probability(submitted, source))

    if current is None or current.source == ProbabilitySource.STAGE:
        return ProbabilityOutcome(Probability(default, ProbabilitySource.STAGE))

    # A manual probability survives a move; the reply then asks the rep to look at it again.
    return ProbabilityOutcome(current, review_suggested=stage_changed and current.value != default)


def reset_to_stage_default(stage: Stage, defaults: Mapping[Stage, int] | None = None) -> Probability:
    return Probability.for_stage(stage, defaults)
