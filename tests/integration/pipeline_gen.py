"""A generated pipeline of thousands of deals in several currencies, inserted in bulk, and plain-Python oracles."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert, text

from oppbot.db.models import FxRate, Opportunity, Organization, StageChange, Workspace

TEAM = "T111"
ZONE = ZoneInfo("Europe/Oslo")
TODAY = date(2026, 11, 20)
DIGITS = {"USD": 2, "EUR": 2, "JPY": 0, "NOK": 2, "SEK": 2, "KWD": 3}  # ISO 4217's minor units, written out here
RATES = [  # (currency, rate, effective date); NOK has none before 10 Nov; SEK none at all
    ("EUR", "1.10", date(2026, 1, 1)),
    ("EUR", "1.15", date(2026, 6, 1)),
    ("EUR", "1.08", date(2026, 11, 15)),
    ("EUR", "1.30", date(2026, 12, 5)),  # after today: never used for open deals
    ("JPY", "0.0068", date(2026, 1, 1)),
    ("JPY", "0.0066", date(2026, 10, 1)),
    ("NOK", "0.095", date(2026, 11, 10)),
    ("KWD", "3.2573", date(2026, 1, 1)),
    ("KWD", "3.2491", date(2026, 11, 1)),
]
# Reporting currencies the figures are checked in: two decimals (USD, EUR, NOK: no rate before 10 Nov), none (JPY)
# and three (KWD). Rates into each are the USD-based ones above restated (`restated_rates`), as a manager would set.
REPORTING = ["USD", "EUR", "NOK", "JPY", "KWD"]
OPEN = ["lead", "qualification", "proposal", "negotiation"]
PROB = {"lead": 15, "qualification": 30, "proposal": 50, "negotiation": 75, "closed_won": 100, "closed_lost": 0}


def setup_workspace(session) -> int:
    session.add(
        Workspace(
            team_id=TEAM,
            name="Test",
            currency="USD",
            reporting_currency="USD",
            timezone="Europe/Oslo",
            stage_probabilities={},
            stale_days={},
            loss_reasons=[],
            next_deal_number=1,
            next_invoice_number=1,
        )
    )
    session.flush()
    org = Organization(team_id=TEAM, name="Acme", name_key="acme")
    session.add(org)
    session.flush()
    session.execute(
        insert(FxRate),
        [{"team_id": TEAM, "base": "USD", "currency": c, "rate": Decimal(r), "effective_date": d} for c, r, d in RATES],
    )
    return org.id


def generate(count: int, org_id: int, seed: int = 7, *, kwd: bool = False) -> tuple[list[dict], list[dict]]:
    """With `kwd`, about one deal in twenty is in KWD (three decimals) instead, drawn from a third generator."""
    rnd = random.Random(seed)
    # Reps' own forecast categories come from a second generator, so the deals the other tests see stay the same.
    picks = random.Random(seed * 31 + 1)
    fils = random.Random(seed * 57 + 5)
    deals, history = [], []
    for number in range(1, count + 1):
        currency = rnd.choices(["USD", "EUR", "JPY", "NOK", "SEK"], weights=[30, 30, 20, 17, 3])[0]
        stage = rnd.choices([*OPEN, "closed_won", "closed_lost"], weights=[15, 15, 15, 15, 25, 15])[0]
        prob = PROB[stage] if rnd.random() < 0.7 or stage.startswith("closed") else rnd.randint(0, 100)
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rnd.randint(0, 60 * 24 * 300))
        closed = None
        if stage.startswith("closed"):
            # Some just around local midnight, where the UTC date and the Oslo date differ.
            closed = created + timedelta(days=rnd.randint(1, 120), minutes=rnd.randint(0, 1440))
            if rnd.random() < 0.2:
                closed = closed.replace(hour=23, minute=rnd.choice([0, 30, 59]))
            closed = min(closed, datetime(2026, 11, 19, 22, 30, tzinfo=UTC))  # nothing closes in the future
        amount = rnd.randint(0, 5_000_000) if currency != "JPY" else rnd.randint(0, 50_000_000)
        if rnd.random() < 0.05:
            amount = 5  # tiny amounts exercise the half-even rounding
        if kwd and fils.random() < 0.05:
            currency = "KWD"
        deals.append(
            {
                "id": number,
                "team_id": TEAM,
                "number": number,
                "title": f"Deal <{number}> & co",
                "search_text": "",
                "organization_id": org_id,
                "amount_minor": amount,
                "currency": currency,
                "stage": stage,
                "probability": prob,
                "probability_source": "stage",
                "expected_close": TODAY + timedelta(days=rnd.randint(-120, 150)) if rnd.random() < 0.95 else None,
                "assignee_id": rnd.choice(["U_REP", "U_OTHER", None]),
                "created_by": "U_REP",
                "created_at": created,
                "updated_at": created,
                "stage_entered_at": created,
                "last_activity_at": created + timedelta(days=rnd.randint(0, 30)),
                "closed_at": closed,
                "lost_reason": rnd.choice(["Price", "Competitor", "Timing"]) if stage == "closed_lost" else None,
                "lost_at_stage": rnd.choice(OPEN) if stage == "closed_lost" else None,
                "forecast_category": picks.choice([None, None, None, "pipeline", "best_case", "commit", "omitted"])
                if stage in OPEN
                else None,
                "version": 1,
            }
        )
        path = [s for s in OPEN if rnd.random() < 0.7] or ["lead"]
        if stage in OPEN:
            path = [s for s in path if OPEN.index(s) < OPEN.index(stage)]
        path = [*path, stage]
        at, previous = created, None
        for step in path:
            history.append(
                {
                    "team_id": TEAM,
                    "opportunity_id": number,
                    "from_stage": previous,
                    "to_stage": step,
                    "changed_at": at,
                    "changed_by": "U_REP",
                    "amount_minor": amount,
                    "currency": currency,
                    "probability": PROB[step],
                    "skipped": [],
                }
            )
            previous = step
            at = at + timedelta(hours=rnd.randint(1, 24 * 20))
    return deals, history


def load(sessions, count: int, seed: int = 7, *, kwd: bool = False) -> list[dict]:
    with sessions() as session, session.begin():
        org_id = setup_workspace(session)
        deals, history = generate(count, org_id, seed, kwd=kwd)
        session.execute(Opportunity.__table__.insert(), deals)
        session.execute(StageChange.__table__.insert(), history)
        session.execute(
            Workspace.__table__.update().where(Workspace.team_id == TEAM).values(next_deal_number=count + 1)
        )
        if session.get_bind().dialect.name == "postgresql":  # ids were given: move the sequence past them
            session.execute(text("SELECT setval(pg_get_serial_sequence('opportunities', 'id'), :n)"), {"n": count})
    return deals


# --- the oracle: plain Python, written apart from the SQL ------------------------------------------------------------

STAGE_CATEGORY = {"lead": "pipeline", "qualification": "pipeline", "proposal": "best_case", "negotiation": "commit"}


def category(deal: dict) -> str:
    if deal["stage"] == "closed_won":
        return "closed"
    if deal["stage"] == "closed_lost":
        return "omitted"
    return deal.get("forecast_category") or STAGE_CATEGORY[deal["stage"]]


def rate_on(currency: str, day: date) -> Decimal | None:
    if currency == "USD":
        return Decimal(1)
    best = None
    for c, r, d in RATES:
        if c == currency and d <= day and (best is None or d > best[0]):
            best = (d, Decimal(r))
    return best[1] if best else None


def restated_rates(reporting: str) -> list[tuple[str, Decimal, date]]:
    """The USD-based RATES restated into `reporting`: at each date either side's rate changes, mine / theirs to the
    10 decimals a rate may have. A currency has no rate into `reporting` on a day either side has none."""
    if reporting == "USD":
        return [(c, Decimal(r), d) for c, r, d in RATES]
    theirs = {d for c, _r, d in RATES if c == reporting}
    rows = []
    for currency in sorted({"USD", *(c for c, _r, _d in RATES)} - {reporting}):
        for day in sorted(theirs | {d for c, _r, d in RATES if c == currency}):
            mine, base = rate_on(currency, day), rate_on(reporting, day)
            if mine is not None and base is not None:
                rows.append((currency, (mine / base).quantize(Decimal("1e-10"), rounding=ROUND_HALF_EVEN), day))
    return rows


def rates_into(reporting: str):
    """rate_on(currency, day) over `restated_rates(reporting)`: the latest rate on or before the day, or None."""
    rows = restated_rates(reporting)

    def rate(currency: str, day: date) -> Decimal | None:
        if currency == reporting:
            return Decimal(1)
        found = [(d, r) for c, r, d in rows if c == currency and d <= day]
        return max(found)[1] if found else None

    return rate


def report_in(session, reporting: str) -> None:
    """Make `reporting` the workspace's reporting currency, with its restated rates stored (once)."""
    session.execute(Workspace.__table__.update().where(Workspace.team_id == TEAM).values(reporting_currency=reporting))
    if reporting != "USD":
        session.execute(
            insert(FxRate),
            [
                {"team_id": TEAM, "base": reporting, "currency": c, "rate": r, "effective_date": d}
                for c, r, d in restated_rates(reporting)
            ],
        )


def minor(x: Decimal, currency: str) -> Decimal:
    """Rounded half-to-even to `currency`'s minor units: the one rounding the documented rule allows, at the end."""
    return x.quantize(Decimal(1).scaleb(-DIGITS[currency]), rounding=ROUND_HALF_EVEN)


def major(deal: dict) -> Decimal:
    return Decimal(deal["amount_minor"]) / (Decimal(10) ** DIGITS[deal["currency"]])


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


class StatementCounter:
    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _hit(self, *args, **kwargs) -> None:
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hit)
