"""Exchange rates: set one (managers), list them, import a CSV, and load the table a forecast converts with."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from oppbot.db import repositories as repo
from oppbot.db.models import FxRate
from oppbot.domain.errors import InvalidInput, NotFound
from oppbot.domain.fx import Rate, RateTable, parse_rate, validate_rate_currency
from oppbot.i18n import N_, _, ngettext
from oppbot.services import policy
from oppbot.services.context import Actor
from oppbot.services.events import record

KIND_RATE_SET = "fx_rate_set"
KIND_RATES_IMPORTED = "fx_rates_imported"


def reporting_currency(session: Session, team_id: str) -> str:
    workspace = repo.get_workspace(session, team_id)
    if workspace is None:
        raise NotFound(_("This workspace has not been set up yet."))
    return workspace.reporting_currency


def load_table(session: Session, team_id: str, reporting: str) -> RateTable:
    """Every rate of the workspace into `reporting`, in one statement (rates are few: currencies × dates)."""
    rows = session.execute(
        select(FxRate.currency, FxRate.rate, FxRate.effective_date).where(
            FxRate.team_id == team_id, FxRate.base == reporting
        )
    ).all()
    return RateTable(reporting, [Rate(c, Decimal(r), d) for c, r, d in rows])


def _require_manager(actor: Actor) -> None:
    policy.require_manager(actor, N_("change exchange rates"))


def _upsert(session: Session, team_id: str, base: str, currency: str, rate: Decimal, day: date, by: str) -> str:
    """'added', 'updated' or 'unchanged'."""
    row = session.scalar(
        select(FxRate).where(
            FxRate.team_id == team_id, FxRate.base == base, FxRate.currency == currency, FxRate.effective_date == day
        )
    )
    if row is None:
        session.add(FxRate(team_id=team_id, base=base, currency=currency, rate=rate, effective_date=day, created_by=by))
        return "added"
    if Decimal(row.rate) == rate:
        return "unchanged"
    row.rate = rate
    row.created_by = by
    return "updated"


@dataclass(frozen=True, slots=True)
class RateSet:
    rate: Rate
    reporting: str
    outcome: str  # added | updated | unchanged


def set_rate(
    session: Session, actor: Actor, currency: str, rate: object, effective_date: date | None, *, today: date
) -> RateSet:
    """1 `currency` = `rate` reporting-currency units from `effective_date` (default: today). Managers only."""
    _require_manager(actor)
    reporting = reporting_currency(session, actor.team_id)
    code = validate_rate_currency(currency, reporting)
    value = parse_rate(rate)
    day = effective_date or today
    outcome = _upsert(session, actor.team_id, reporting, code, value, day, actor.user_id)
    record(
        session,
        actor,
        None,
        KIND_RATE_SET,
        notify=False,
        detail={"currency": code, "base": reporting, "rate": str(value), "effective_date": day.isoformat()},
    )
    session.flush()
    return RateSet(Rate(code, value, day), reporting, outcome)


def list_rates(session: Session, team_id: str) -> RateTable:
    return load_table(session, team_id, reporting_currency(session, team_id))


@dataclass(slots=True)
class ImportResult:
    reporting: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, what was wrong)
    currencies: set[str] = field(default_factory=set)

    @property
    def summary(self) -> str:
        return ngettext(
            "Rates into {currency}: {added} added, {updated} updated, {unchanged} unchanged ({currencies}); "
            "{n} bad line(s).",
            "Rates into {currency}: {added} added, {updated} updated, {unchanged} unchanged ({currencies}); "
            "{n} bad line(s).",
            len(self.errors),
            currency=self.reporting,
            added=self.added,
            updated=self.updated,
            unchanged=self.unchanged,
            currencies=", ".join(sorted(self.currencies)) or _("no currencies"),
        )


def import_csv(
    session: Session, actor: Actor, text: str, *, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Lines of `date,currency,rate` (a header line is allowed). Bad lines are reported by number and skipped."""
    _require_manager(actor)
    reporting = reporting_currency(session, actor.team_id)
    result = ImportResult(reporting)
    lines = list(csv.reader(io.StringIO(text)))
    seen: dict[tuple[str, date], int] = {}
    for number, cells in enumerate(lines, start=1):
        cells = [c.strip() for c in cells]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].casefold() == "date":
            continue
        try:
            day, code, value = _parse_line(cells, reporting)
        except InvalidInput as exc:
            result.errors.append((number, exc.message))
            continue
        if (code, day) in seen:
            again = _(
                "{code} on {day} is already on line {line}; kept that one.", code=code, day=day, line=seen[(code, day)]
            )
            result.errors.append((number, again))
            continue
        seen[(code, day)] = number
        outcome = _upsert(session, actor.team_id, reporting, code, value, day, actor.user_id)
        setattr(result, outcome, getattr(result, outcome) + 1)
        result.currencies.add(code)
        if progress:
            progress(number, len(lines))
    record(
        session,
        actor,
        None,
        KIND_RATES_IMPORTED,
        notify=False,
        detail={"added": result.added, "updated": result.updated, "errors": len(result.errors)},
    )
    session.flush()
    return result


def _parse_line(cells: list[str], reporting: str) -> tuple[date, str, Decimal]:
    if len(cells) != 3:
        raise InvalidInput.field(
            "line", _("expected 3 fields (date, currency, rate), found {count}.", count=len(cells))
        )
    try:
        day = date.fromisoformat(cells[0])
    except ValueError:
        raise InvalidInput.field("date", _("'{text}' is not a date; write YYYY-MM-DD.", text=cells[0][:20])) from None
    return day, validate_rate_currency(cells[1], reporting), parse_rate(cells[2])
