"""Forecast categories: what a rep says a deal will do this period, beside the stage it is in.

A deal's category follows its stage through the workspace's mapping unless the rep has set one; a won deal is always
Closed and a lost one always Omitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.i18n import N_, _, pgettext


class Category(StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"

    @property
    def label(self) -> str:
        """The category's name in the active language."""
        return _TRANSLATED[self]()

    @property
    def english(self) -> str:
        """The English name whatever language is active: what parsing knows."""
        return _LABELS[self]

    @property
    def norwegian(self) -> str:
        return _NORWEGIAN[self]

    @property
    def order(self) -> int:
        return _ORDER[self]


_LABELS = {
    Category.PIPELINE: "Pipeline",
    Category.BEST_CASE: "Best case",
    Category.COMMIT: "Commit",
    Category.CLOSED: "Closed",
    Category.OMITTED: "Omitted",
}
_NORWEGIAN = {
    Category.PIPELINE: "Pipeline",
    Category.BEST_CASE: "Beste utfall",
    Category.COMMIT: "Forpliktet",
    Category.CLOSED: "Lukket",
    Category.OMITTED: "Utelatt",
}
# Shown names, translated when shown ("category" context: "Closed" and "Commit" mean other things elsewhere). The
# alias table is built from the English names above, so parsing never depends on the active language.
_TRANSLATED = {
    Category.PIPELINE: lambda: pgettext("category", "Pipeline"),
    Category.BEST_CASE: lambda: pgettext("category", "Best case"),
    Category.COMMIT: lambda: pgettext("category", "Commit"),
    Category.CLOSED: lambda: pgettext("category", "Closed"),
    Category.OMITTED: lambda: pgettext("category", "Omitted"),
}
_ORDER = {category: index for index, category in enumerate(Category)}

CATEGORIES: tuple[Category, ...] = tuple(Category)
# What a rep may pick for an open deal: Closed belongs to won deals only.
OPEN_CATEGORIES: tuple[Category, ...] = (Category.PIPELINE, Category.BEST_CASE, Category.COMMIT, Category.OMITTED)

DEFAULT_STAGE_CATEGORIES: dict[Stage, Category] = {
    Stage.LEAD: Category.PIPELINE,
    Stage.QUALIFICATION: Category.PIPELINE,
    Stage.PROPOSAL: Category.BEST_CASE,
    Stage.NEGOTIATION: Category.COMMIT,
    Stage.CLOSED_WON: Category.CLOSED,
    Stage.CLOSED_LOST: Category.OMITTED,
}

# Marked for the catalog; show it with category_example() (or `_(CATEGORY_EXAMPLE)`).
CATEGORY_EXAMPLE = N_("pipeline, best, commit or omit (Norwegian names work too)")


def category_example() -> str:
    """CATEGORY_EXAMPLE in the active language: a Norwegian reader is shown the Norwegian words."""
    return _(CATEGORY_EXAMPLE)


def _normalise(text: str) -> str:
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


_ALIASES: dict[str, Category] = {}
for _category in Category:
    for _name in (_category.value, _category.english, _category.norwegian):
        _ALIASES[_normalise(_name)] = _category
for _alias, _category in {
    "best": Category.BEST_CASE,
    "upside": Category.BEST_CASE,
    "beste": Category.BEST_CASE,
    "committed": Category.COMMIT,
    "forpliktet": Category.COMMIT,
    "omit": Category.OMITTED,
    "utelatt": Category.OMITTED,
    "pipe": Category.PIPELINE,
}.items():
    _ALIASES[_alias] = _category


def parse_category(text: str) -> Category:
    category = _ALIASES.get(_normalise(text))
    if category is None:
        shown = (text or "").strip()[:40] or _("(nothing)")
        raise InvalidInput.field(
            "category",
            _("'{shown}' is not a forecast category. Use {example}.", shown=shown, example=category_example()),
        )
    return category


def is_category_word(text: str) -> bool:
    return _normalise(text) in _ALIASES


def stage_map(stored: Mapping[str, str] | None) -> dict[Stage, Category]:
    """The workspace's stage → category mapping: its overrides of open stages over the defaults."""
    mapping = dict(DEFAULT_STAGE_CATEGORIES)
    for key, value in (stored or {}).items():
        try:
            stage, category = Stage(key), Category(value)
        except ValueError:
            continue
        if stage.is_open and category in OPEN_CATEGORIES:
            mapping[stage] = category
    return mapping


def effective_category(stage: Stage, override: str | None, mapping: Mapping[Stage, Category]) -> Category:
    """Won is Closed and lost is Omitted whatever was set; an open deal's own category wins over its stage's."""
    if stage == Stage.CLOSED_WON:
        return Category.CLOSED
    if stage == Stage.CLOSED_LOST:
        return Category.OMITTED
    if override:
        try:
            return Category(override)
        except ValueError:
            pass
    return mapping[stage]


def validate_override(stage: Stage, category: Category) -> None:
    if stage.is_closed:
        always = effective_category(stage, None, DEFAULT_STAGE_CATEGORIES).label
        raise InvalidInput.field(
            "category", _("A {stage} deal is always {category}.", stage=stage.label, category=always)
        )
    if category not in OPEN_CATEGORIES:
        raise InvalidInput.field("category", _("Closed is for won deals: mark the deal won instead."))


def open_stage_defaults(mapping: Mapping[Stage, Category]) -> list[tuple[Stage, Category]]:
    return [(stage, mapping[stage]) for stage in OPEN_STAGES]
