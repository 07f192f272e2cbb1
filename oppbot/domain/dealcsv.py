"""The deal CSV: oppbot's own columns, CSV-injection neutralising that round-trips, and the column maps that read
HubSpot, Pipedrive and Salesforce exports. Pure: no files, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from oppbot.domain.errors import InvalidInput
from oppbot.domain.stages import STAGES, Stage, parse_stage
from oppbot.i18n import _

# Columns of `oppbot export`, in order. `number`, `created_at` are the row id and creation time: an import into
# another workspace gives new ones. The entered_* columns are the first time the deal entered each stage (UTC).
# forecast_category is the category the forecast counts the deal in; forecast_category_source says whether the rep
# chose it ("manual") or it follows the stage ("stage"; always so for won and lost deals). Columns are an
# interface: new ones are added at the end, none is renamed.
ENTERED = {stage: f"entered_{stage.value}" for stage in STAGES}
COLUMNS: tuple[str, ...] = (
    "number",
    "title",
    "customer",
    "customer_type",
    "customer_email",
    "value",
    "currency",
    "stage",
    "probability",
    "probability_source",
    "weighted_value",
    "expected_close",
    "assignee",
    "external_ref",
    "description",
    "lost_reason",
    "lost_note",
    "created_by",
    "created_at",
    "closed_at",
    *ENTERED.values(),
    "forecast_category",
    "forecast_category_source",
)

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"). Such a cell is
# written with a leading apostrophe; a cell that already starts with an apostrophe followed by one of these (or by
# another apostrophe) gets one more, so that `restore` is the exact inverse of `neutralise` for every string.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_STARTS = (*FORMULA_STARTS, "'")


def neutralise(cell: str) -> str:
    if cell.startswith(FORMULA_STARTS) or (cell.startswith("'") and cell[1:].startswith(_QUOTED_STARTS)):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    if cell.startswith("'") and cell[1:].startswith(_QUOTED_STARTS):
        return cell[1:]
    return cell


def looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


def count_formulas(cells: Sequence[str]) -> int:
    return sum(1 for cell in cells if cell and cell.lstrip(" ")[:1] in _FORMULA_CHARS)


_FORMULA_CHARS = frozenset(FORMULA_STARTS)


# --- column maps ------------------------------------------------------------------------------------------------------

# The fields an import understands; every map says which header (any case, any spacing) holds each.
FIELDS = (
    "title",
    "customer",
    "customer_type",
    "customer_email",
    "contact",
    "value",
    "currency",
    "stage",
    "status",
    "probability",
    "probability_source",
    "expected_close",
    "assignee",
    "external_ref",
    "description",
    "lost_reason",
    "lost_note",
    "created_by",
    "closed_at",
    *ENTERED.values(),
    "forecast_category",
    "forecast_category_source",
)


@dataclass(frozen=True, slots=True)
class ColumnMap:
    name: str
    headers: Mapping[str, tuple[str, ...]]  # field -> header names it may have
    stage_aliases: Mapping[str, Stage] = field(default_factory=dict)  # normalised stage text -> stage
    restores_cells: bool = False  # oppbot's own export: neutralised cells are restored
    required: tuple[str, ...] = ("title", "customer")

    def stage(self, text: str) -> Stage:
        """The CRM's stage name through its aliases, then through the same parser as `/opp move`."""
        alias = self.stage_aliases.get(_key(text))
        return alias if alias is not None else parse_stage(text)


def _key(text: str) -> str:
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


OPPBOT = ColumnMap(
    "oppbot",
    {name: (name,) for name in FIELDS if name in COLUMNS},
    restores_cells=True,
)

HUBSPOT = ColumnMap(
    "hubspot",
    {
        "title": ("Deal Name",),
        "customer": ("Associated Company", "Company name", "Associated Company (Primary)", "Company"),
        "contact": ("Associated Contact", "Contact"),
        "value": ("Amount",),
        "currency": ("Currency", "Deal currency code"),
        "stage": ("Deal Stage",),
        "probability": ("Deal probability",),
        "expected_close": ("Close Date",),
        "assignee": ("Deal owner", "Deal Owner"),
        "external_ref": ("Record ID", "Deal ID"),
        "description": ("Deal Description", "Description"),
        "lost_reason": ("Closed Lost Reason",),
        "forecast_category": ("Forecast category",),
    },
    {
        "appointmentscheduled": Stage.LEAD,
        "qualifiedtobuy": Stage.QUALIFICATION,
        "presentationscheduled": Stage.PROPOSAL,
        "decisionmakerboughtin": Stage.PROPOSAL,
        "contractsent": Stage.NEGOTIATION,
        "closedwon": Stage.CLOSED_WON,
        "closedlost": Stage.CLOSED_LOST,
    },
)

PIPEDRIVE = ColumnMap(
    "pipedrive",
    {
        "title": ("Deal - Title", "Title"),
        "customer": ("Deal - Organization", "Organization"),
        "contact": ("Deal - Contact person", "Contact person"),
        "value": ("Deal - Value", "Value"),
        "currency": ("Deal - Currency", "Currency"),
        "stage": ("Deal - Stage", "Stage"),
        "status": ("Deal - Status", "Status"),
        "probability": ("Deal - Probability", "Probability"),
        "expected_close": ("Deal - Expected close date", "Expected close date"),
        "assignee": ("Deal - Owner", "Owner"),
        "external_ref": ("Deal - ID", "ID"),
        "lost_reason": ("Deal - Lost reason", "Lost reason"),
    },
    {
        "qualified": Stage.QUALIFICATION,
        "contactmade": Stage.QUALIFICATION,
        "demoscheduled": Stage.PROPOSAL,
        "proposalmade": Stage.PROPOSAL,
        "negotiationsstarted": Stage.NEGOTIATION,
    },
)

SALESFORCE = ColumnMap(
    "salesforce",
    {
        "title": ("Opportunity Name", "Name"),
        "customer": ("Account Name", "Account"),
        "value": ("Amount",),
        "currency": ("Opportunity Currency", "Currency", "Amount Currency"),
        "stage": ("Stage", "StageName"),
        "probability": ("Probability (%)", "Probability"),
        "expected_close": ("Close Date", "CloseDate"),
        "assignee": ("Opportunity Owner", "Owner"),
        "external_ref": ("Opportunity ID", "Id", "Opportunity ID (18)"),
        "description": ("Description",),
        "lost_reason": ("Loss Reason",),
        "forecast_category": ("Forecast Category", "ForecastCategoryName"),
    },
    {
        "prospecting": Stage.LEAD,
        "qualification": Stage.QUALIFICATION,
        "needsanalysis": Stage.QUALIFICATION,
        "valueproposition": Stage.PROPOSAL,
        "iddecisionmakers": Stage.PROPOSAL,
        "perceptionanalysis": Stage.PROPOSAL,
        "proposalpricequote": Stage.PROPOSAL,
        "negotiationreview": Stage.NEGOTIATION,
        "closedwon": Stage.CLOSED_WON,
        "closedlost": Stage.CLOSED_LOST,
    },
)

MAPS: dict[str, ColumnMap] = {m.name: m for m in (OPPBOT, HUBSPOT, PIPEDRIVE, SALESFORCE)}
MAP_NAMES = ("auto", *MAPS)


@dataclass(frozen=True, slots=True)
class BoundMap:
    """A column map bound to one file's header row: field -> column index."""

    map: ColumnMap
    columns: dict[str, int]
    ignored: tuple[str, ...]  # headers no field uses

    def get(self, row: Sequence[str], name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(row):
            return ""
        cell = row[index].strip()
        return restore(cell) if self.map.restores_cells else cell

    def extract(self, row: Sequence[str]) -> dict[str, str]:
        """Every mapped field of a row at once (stripped, neutralised cells restored); missing ones are absent."""
        width = len(row)
        cells = {name: row[i].strip() for name, i in self.columns.items() if i < width}
        if self.map.restores_cells:
            return {name: (restore(cell) if cell[:1] == "'" else cell) for name, cell in cells.items()}
        return cells


def bind(column_map: ColumnMap, header: Sequence[str]) -> BoundMap:
    """Which column holds which field; InvalidInput naming the missing required columns."""
    positions = {_key(name): i for i, name in reversed(list(enumerate(header)))}
    columns: dict[str, int] = {}
    for name, candidates in column_map.headers.items():
        for candidate in candidates:
            if _key(candidate) in positions:
                columns[name] = positions[_key(candidate)]
                break
    missing = [
        column_map.headers[name][0]
        for name in column_map.required
        if name not in columns and not (name == "customer" and "contact" in columns)
    ]
    if missing:
        raise InvalidInput.field(
            "header",
            _(
                "The first line has no {missing} column for the {format} format. It has: {header}.",
                missing=", ".join(missing),
                format=column_map.name,
                header=", ".join(h[:30] for h in header[:12]),
            ),
        )
    used = set(columns.values())
    return BoundMap(column_map, columns, tuple(h for i, h in enumerate(header) if i not in used))


def detect(header: Sequence[str]) -> ColumnMap:
    """The map whose headers the file matches best (`--map auto`); oppbot's own when it has its `number` column."""
    keys = {_key(h) for h in header}
    best, best_score = OPPBOT, -1
    for candidate in MAPS.values():
        score = sum(1 for names in candidate.headers.values() if any(_key(n) in keys for n in names))
        if candidate is OPPBOT and {"number", "probabilitysource", "weightedvalue"} <= keys:
            score += 100
        if score > best_score:
            best, best_score = candidate, score
    return best


def choose_map(name: str, header: Sequence[str]) -> BoundMap:
    if name == "auto":
        return bind(detect(header), header)
    if name not in MAPS:
        raise InvalidInput.field(
            "map", _("Unknown column map '{name}': use one of {maps}.", name=name[:20], maps=", ".join(MAP_NAMES))
        )
    return bind(MAPS[name], header)
