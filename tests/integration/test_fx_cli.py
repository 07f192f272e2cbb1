"""`oppbot fx import` against a real SQLite database."""

from integration.pipeline_gen import TEAM, load

from oppbot.cli import main
from oppbot.db.session import make_engine, session_factory
from oppbot.services import fx


def test_the_cli_imports_a_csv_and_reports_bad_lines(tmp_path, monkeypatch, capsys):
    db = tmp_path / "cli.db"
    from oppbot.db.migrate import upgrade

    upgrade(f"sqlite:///{db}")
    engine = make_engine(f"sqlite:///{db}")
    load(session_factory(engine), 3)
    csv_file = tmp_path / "rates.csv"
    csv_file.write_text("date,currency,rate\n2026-11-01,SEK,0.094\nnot-a-date,SEK,1\n")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert main(["fx", "import", str(csv_file)]) == 0
    out = capsys.readouterr()
    assert "1 added" in out.out and ":3:" in out.err and "line" in out.err
    with session_factory(engine)() as s:
        assert fx.list_rates(s, TEAM).rate_on("SEK", __import__("datetime").date(2026, 11, 2)) is not None
    assert main(["fx", "import", str(csv_file), "--team", "TNOPE"]) == 2
