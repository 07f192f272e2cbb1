"""CSV export and import through the `oppbot export` / `oppbot import` commands and the services, on SQLite and
PostgreSQL: the round trip, idempotency, bad rows with their line numbers, other CRMs' columns, hostile files."""

from __future__ import annotations

import csv
import io

import pytest
from integration.helpers import make_customer, make_deal
from sqlalchemy import func, select

from oppbot.db.models import Activity, Opportunity, OutboxEvent, StageChange
from oppbot.db.session import unit_of_work
from oppbot.domain.categories import Category
from oppbot.domain.dealcsv import COLUMNS
from oppbot.domain.errors import PermissionDenied
from oppbot.services import customers, deal_export, deal_import, opportunities
from oppbot.services.context import Actor

TEAM, EMPTY = "T111", "T_EMPTY"
TRICKY = ['=HYPERLINK("http://evil","x")', "+47 22 33", "-minus", "@at", "'=quoted", "''double", "'plain"]


def export_text(sessions, team: str, query=None) -> str:
    with unit_of_work(sessions) as session:
        data, _count = deal_export.export_bytes(session, Actor(team, "cli", is_manager=True), query)
    return data.decode("utf-8")


def rows_of(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def opener(text: str, encoding: str = "utf-8"):
    data = text.encode(encoding)
    return lambda: io.BytesIO(data)


def run(sessions, team: str, text: str, **kw) -> deal_import.ImportReport:
    return deal_import.run_import(sessions, Actor(team, "cli", is_manager=True), opener(text), **kw)


def seed(sessions, manager: Actor) -> None:
    """Deals made the way users make them: moves, a loss, a manual probability, an individual, tricky text."""
    org = make_customer(sessions, manager, "=cmd|' /C calc'!A0")
    with unit_of_work(sessions) as session:
        person = customers.create_individual(session, manager, "@Kari Nordmann", "kari@example.com")
    from oppbot.domain.opportunity import CustomerKind, CustomerRef

    kari = CustomerRef(CustomerKind.INDIVIDUAL, person.id)
    for i, title in enumerate(TRICKY):
        make_deal(sessions, manager, org, title=title, value=f"{1000 + i}.50", description=TRICKY[-1 - i])
    make_deal(sessions, manager, kari, title="Kari's deal", value="120000", currency="JPY", external_ref="-X1")
    make_deal(sessions, manager, kari, title="Manual", value="10", probability="42", assignee="U_REP")
    with unit_of_work(sessions) as session:
        opportunities.set_category(session, manager, 1, Category.COMMIT)  # the rep's own, kept through the move
        opportunities.set_category(session, manager, 2, Category.OMITTED)  # won below: Closed all the same
        opportunities.move(session, manager, 1, opportunities.Stage.PROPOSAL)
        opportunities.move(session, manager, 2, opportunities.Stage.CLOSED_WON)
        opportunities.move(session, manager, 3, opportunities.Stage.CLOSED_LOST, loss_reason="price", loss_note="+1")
        opportunities.move(session, manager, 4, opportunities.Stage.QUALIFICATION)
        opportunities.move(session, manager, 5, opportunities.Stage.CLOSED_WON)
    with unit_of_work(sessions) as session:
        opportunities.move(session, manager, 5, opportunities.Stage.LEAD)  # reopened: entered lead, won, lead again
        opportunities.set_category(session, manager, 4, Category.PIPELINE)  # chosen, though the stage's too


def test_export_has_every_column_and_neutralises_formulas(sessions, manager):
    seed(sessions, manager)
    rows = rows_of(export_text(sessions, TEAM))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == len(TRICKY) + 2
    first = rows[0]
    assert first["title"] == "'" + TRICKY[0] and first["customer"].startswith("'=")
    assert first["stage"] == "proposal" and first["entered_lead"] and first["entered_proposal"]
    assert first["weighted_value"] == "500.25"  # 1000.50 × 50 %
    assert rows[2]["lost_reason"] == "Price" and rows[2]["lost_note"] == "'+1" and rows[2]["entered_closed_lost"]
    assert [r["title"] for r in rows[4:7]] == ["''=quoted", "'''double", "'plain"]
    manual = rows[-1]
    assert (manual["probability"], manual["probability_source"], manual["assignee"]) == ("42", "manual", "U_REP")
    categories = [(r["forecast_category"], r["forecast_category_source"]) for r in rows]
    assert categories[:4] == [("commit", "manual"), ("closed", "stage"), ("omitted", "stage"), ("pipeline", "manual")]
    assert categories[-1] == ("pipeline", "stage")
    # Nothing a spreadsheet would run: every cell starting with = + - @ has the apostrophe in front.
    assert not [c for r in rows for c in r.values() if c[:1] in ("=", "+", "-", "@")]


def test_round_trip_into_an_empty_workspace_is_identical_but_for_ids_and_creation_times(sessions, manager):
    seed(sessions, manager)
    first = export_text(sessions, TEAM)
    report = run(sessions, EMPTY, first)
    assert (report.created, report.updated, report.skipped, report.bad_count) == (len(TRICKY) + 2, 0, 0, 0)
    second = export_text(sessions, EMPTY)

    def comparable(text: str) -> list[dict]:
        return [{k: v for k, v in row.items() if k not in ("number", "created_at")} for row in rows_of(text)]

    assert comparable(second) == comparable(first)
    assert first.count("\n") == second.count("\n")
    with unit_of_work(sessions) as session:  # a chosen category equal to the stage's stays chosen
        stored = session.scalars(
            select(Opportunity.forecast_category).where(Opportunity.team_id == EMPTY).order_by(Opportunity.number)
        ).all()
    assert stored[:4] == ["commit", None, None, "pipeline"] and stored[4:] == [None] * (len(stored) - 4)


def test_a_second_import_of_the_same_file_changes_nothing(sessions, manager):
    seed(sessions, manager)
    text = export_text(sessions, TEAM)
    run(sessions, EMPTY, text)
    with unit_of_work(sessions) as session:
        before = [session.scalar(select(func.count()).select_from(m)) for m in (Opportunity, StageChange, Activity)]
    again = run(sessions, EMPTY, text)
    assert (again.created, again.updated, again.skipped) == (0, 0, len(TRICKY) + 2)
    with unit_of_work(sessions) as session:
        after = [session.scalar(select(func.count()).select_from(m)) for m in (Opportunity, StageChange, Activity)]
        # Imports are not announced deal by deal: no outbox events at all.
        assert session.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.team_id == EMPTY)) == 0
    assert after == before
    assert export_text(sessions, EMPTY).count("\n") == text.count("\n")


def _hubspot(rows: int, bad: set[int]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Record ID", "Deal Name", "Associated Company", "Amount", "Deal Stage", "Close Date", "Pipeline"])
    for i in range(rows):
        amount = "-5" if i in bad else f"{100 + i}"
        writer.writerow([f"hs-{i}", f"Deal {i}", f"Company {i % 7}", amount, "qualifiedtobuy", "2026-12-31", "default"])
    return out.getvalue()


def test_ten_bad_rows_among_a_thousand_are_reported_by_line_and_the_rest_imported_after_the_preview(sessions, manager):
    bad = {3, 99, 100, 250, 401, 555, 700, 801, 900, 999}
    text = _hubspot(1000, bad)
    actor = Actor(EMPTY, "cli", is_manager=True)
    preview = deal_import.preview(sessions, actor, opener(text))
    assert preview.map_name == "hubspot" and preview.dry_run
    assert (preview.created, preview.bad_count) == (990, 10)
    assert [p.line for p in preview.bad] == sorted(i + 2 for i in bad)  # header is line 1
    assert all("negative" in p.reason or "amount" in p.reason.lower() for p in preview.bad), preview.bad
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 0  # the preview wrote nothing
    report = deal_import.run_import(sessions, actor, opener(text))
    assert (report.created, report.bad_count, report.customers_created) == (990, 10, 7)
    with unit_of_work(sessions) as session:
        stages = set(session.scalars(select(Opportunity.stage).where(Opportunity.team_id == EMPTY)))
    assert stages == {"qualification"}


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            [
                "Deal - ID",
                "Deal - Title",
                "Deal - Organization",
                "Deal - Value",
                "Deal - Currency",
                "Deal - Stage",
                "Deal - Status",
                "Deal - Expected close date",
            ],
            ["77", "Pipe deal", "Pipe AS", "1 500,00".replace(",", "."), "NOK", "Proposal made", "won", "2026-10-01"],
            ("Pipe deal", "closed_won", "NOK", 150000),
        ),
        (
            ["Opportunity ID", "Opportunity Name", "Account Name", "Amount", "Stage", "Close Date", "Probability (%)"],
            ["006xx", "SF deal", "Sales Inc", "2500", "Negotiation/Review", "2026-12-01", "80"],
            ("SF deal", "negotiation", "USD", 250000),
        ),
    ],
    ids=["pipedrive", "salesforce"],
)
def test_other_crms_columns_and_stages_are_understood(sessions, manager, header, row, expected):
    out = io.StringIO()
    csv.writer(out).writerows([header, row])
    report = run(sessions, EMPTY, out.getvalue())
    assert (report.created, report.bad_count) == (1, 0), report.bad
    with unit_of_work(sessions) as session:
        opp = session.scalar(select(Opportunity).where(Opportunity.team_id == EMPTY))
        assert (opp.title, opp.stage, opp.currency, opp.amount_minor) == expected
        assert opp.external_ref == row[0]


def test_other_crms_forecast_categories_are_read_and_a_chosen_one_is_kept_apart_from_the_stages(sessions, manager):
    """Salesforce's ForecastCategoryName and HubSpot's "Forecast category": a category other than the stage's default
    here is the rep's choice; the default, a closed deal's and Closed on an open deal follow the stage."""
    rows = [
        ["Opportunity ID", "Opportunity Name", "Account Name", "Amount", "Stage", "ForecastCategoryName"],
        ["006a", "Follows", "Sales Inc", "100", "Negotiation/Review", "Commit"],
        ["006b", "Upside", "Sales Inc", "100", "Prospecting", "Best Case"],
        ["006c", "Won", "Sales Inc", "100", "Closed Won", "Closed"],
        ["006d", "Parked", "Sales Inc", "100", "Qualification", "Omitted"],
        ["006e", "Odd", "Sales Inc", "100", "Qualification", "Closed"],
        ["006f", "Bad", "Sales Inc", "100", "Qualification", "Maybe"],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    report = run(sessions, EMPTY, out.getvalue())
    assert (report.created, [p.line for p in report.bad]) == (5, [7]), report.bad
    assert "forecast category" in report.bad[0].reason

    def stored():
        with unit_of_work(sessions) as session:
            return dict(session.execute(select(Opportunity.title, Opportunity.forecast_category)).all())

    assert stored() == {"Follows": None, "Upside": "best_case", "Won": None, "Parked": "omitted", "Odd": None}
    changed = out.getvalue().replace("Negotiation/Review,Commit", "Negotiation/Review,Omitted")
    assert (run(sessions, EMPTY, changed).updated, stored()["Follows"]) == (1, "omitted")
    with unit_of_work(sessions) as session:
        entry = session.scalars(select(Activity).order_by(Activity.id.desc())).first()
        assert {"field": "forecast_category", "before": None, "after": "omitted"} in entry.changes
    hubspot = "Record ID,Deal Name,Associated Company,Amount,Deal Stage,Forecast category\n"
    hubspot += "hs-1,HS deal,HS AS,10,qualifiedtobuy,Not forecasted\n"
    assert run(sessions, EMPTY, hubspot).created == 1
    assert stored()["HS deal"] == "omitted"
    rows_out = {r["title"]: r for r in rows_of(export_text(sessions, EMPTY))}
    assert (rows_out["Upside"]["forecast_category"], rows_out["Upside"]["forecast_category_source"]) == (
        "best_case",
        "manual",
    )
    assert (rows_out["Won"]["forecast_category"], rows_out["Won"]["forecast_category_source"]) == ("closed", "stage")


def test_formulas_in_a_foreign_file_are_kept_as_text_and_neutralised_on_the_way_out(sessions, manager):
    text = 'Deal Name,Associated Company,Amount\n"=HYPERLINK(""http://evil"",""click"")",@Acme,10\n'
    report = run(sessions, EMPTY, text, map_name="hubspot")
    assert report.created == 1 and report.formulas == 2
    row = rows_of(export_text(sessions, EMPTY))[0]
    assert row["title"] == '\'=HYPERLINK("http://evil","click")' and row["customer"] == "'@Acme"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("title,customer\nCafé,Ære\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
        (b"Deal Name,Amount\n", "no Associated Company"),
        (b'title,customer\n"' + b"x" * 200_000 + b'",y\n', "Line 2 has a cell over"),
        (b"title,customer\na\x00b,c\n", "not valid CSV"),
    ],
    ids=["latin-1", "empty", "header", "huge-cell", "nul"],
)
def test_files_that_cannot_be_read_are_refused_whole_with_a_clear_message(sessions, manager, data, message):
    actor = Actor(EMPTY, "cli", is_manager=True)
    with pytest.raises(deal_import.ImportAborted) as caught:
        deal_import.run_import(sessions, actor, lambda: io.BytesIO(data), map_name="auto")
    assert message in caught.value.message
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 0


def test_a_latin_1_file_imports_when_its_encoding_is_named_and_utf16_is_recognised(sessions, manager):
    actor = Actor(EMPTY, "cli", is_manager=True)
    latin = "title,customer\nCafé,Ære\n".encode("latin-1")
    report = deal_import.run_import(sessions, actor, lambda: io.BytesIO(latin), encoding="latin-1")
    assert report.created == 1
    utf16 = "title,customer\nSmørbrød,Ære\n".encode("utf-16")
    assert deal_import.run_import(sessions, actor, lambda: io.BytesIO(utf16)).created == 1
    assert "Smørbrød" in export_text(sessions, EMPTY)


def test_too_many_rows_are_refused_before_anything_is_written(sessions, manager, monkeypatch):
    monkeypatch.setattr(deal_import, "MAX_ROWS", 50)
    with pytest.raises(deal_import.ImportAborted, match="more than 50"):
        run(sessions, EMPTY, _hubspot(60, set()))
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 0


def test_batches_are_whole_a_failing_batch_leaves_no_half(sessions, manager, monkeypatch):
    monkeypatch.setattr(deal_import, "BATCH", 10)
    real = deal_import._create_batch
    calls = []

    def failing(session, actor, p, rows, source):
        calls.append(len(rows))
        real(session, actor, p, rows, source)
        if len(calls) == 3:
            raise RuntimeError("database went away")

    monkeypatch.setattr(deal_import, "_create_batch", failing)
    with pytest.raises(RuntimeError):
        run(sessions, EMPTY, _hubspot(45, set()))
    with unit_of_work(sessions) as session:
        count = session.scalar(select(func.count()).select_from(Opportunity))
        activity = session.scalar(select(func.count()).select_from(Activity).where(Activity.kind == "imported"))
    assert count == activity == 20  # two whole batches; the third rolled back with its activity rows
    monkeypatch.setattr(deal_import, "_create_batch", real)
    assert run(sessions, EMPTY, _hubspot(45, set())).created == 25  # a rerun finishes the job


def test_an_import_updates_what_changed_and_records_it(sessions, manager):
    run(sessions, EMPTY, _hubspot(3, set()))
    changed = _hubspot(3, set()).replace("Deal 1,", "Deal one,").replace("qualifiedtobuy", "contractsent")
    report = run(sessions, EMPTY, changed)
    assert (report.created, report.updated, report.skipped) == (0, 3, 0)
    with unit_of_work(sessions) as session:
        titles = set(session.scalars(select(Opportunity.title)))
        moves = session.scalar(
            select(func.count()).select_from(StageChange).where(StageChange.to_stage == "negotiation")
        )
    assert "Deal one" in titles and moves == 3


def test_members_cannot_import(sessions, rep):
    with pytest.raises(PermissionDenied):
        deal_import.preview(sessions, rep, opener(_hubspot(1, set())))


def test_the_commands_export_and_import_through_files(tmp_path, monkeypatch, capsys):
    from integration.pipeline_gen import load

    from oppbot.cli import main
    from oppbot.db.migrate import upgrade
    from oppbot.db.session import make_engine, session_factory

    db = tmp_path / "cli.db"
    upgrade(f"sqlite:///{db}")
    load(session_factory(make_engine(f"sqlite:///{db}")), 30)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert main(["export", "--team", TEAM, "--output", str(tmp_path / "all.csv")]) == 0
    assert main(["export", "--team", TEAM, "won"]) == 0
    out = capsys.readouterr()
    won = rows_of(out.out)
    assert won and {r["stage"] for r in won} == {"closed_won"}
    assert main(["import", str(tmp_path / "all.csv"), "--team", TEAM, "--dry-run"]) == 0
    assert "30 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("title,customer,value\nok,Acme,1\nbad,Acme,-1\n", encoding="utf-8")
    assert main(["import", str(bad), "--team", TEAM]) == 0
    captured = capsys.readouterr()
    assert "1 created" in captured.out and "bad.csv:3:" in captured.err
    assert main(["import", str(tmp_path / "nope.csv"), "--team", TEAM]) == 2
