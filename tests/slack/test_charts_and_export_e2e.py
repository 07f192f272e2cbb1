"""Charts and CSV files through the real `oppbot serve` and the fake Slack: the digest's funnel and forecast-vs-actual,
`/opp pipeline chart`, `/opp forecast … chart`, `/opp export` into the user's DM."""

from __future__ import annotations

import csv
import io
import json
import time

from integration.helpers import make_customer, make_deal

from oppbot.db.session import unit_of_work
from oppbot.domain.categories import Category
from oppbot.domain.stages import Stage
from oppbot.services import opportunities, schedules


def seed(slack) -> None:
    boss = slack.actor("U_BOSS", is_manager=True)
    acme = make_customer(slack.sessions, boss, "Acme")
    for i, (stage, value) in enumerate(
        [(None, "12000"), (Stage.QUALIFICATION, "30000"), (Stage.PROPOSAL, "55000"), (Stage.CLOSED_WON, "8000")]
    ):
        number = make_deal(slack.sessions, boss, acme, title=f"=Deal {i}", value=value, expected_close=None)
        if stage is not None:
            with unit_of_work(slack.sessions) as session:
                opportunities.move(session, boss, number, stage)


def assert_good_png(file: dict) -> None:
    png = file["png"]
    assert png["format"] == "PNG", png
    assert png["width"] >= 600 and png["height"] >= 400, png
    assert png["bytes"] < 1_000_000 and png["colours"] > 1, png


def test_a_digest_posted_to_a_channel_carries_a_funnel_and_a_forecast_chart(slack):
    seed(slack)
    slack.make_manager("U_BOSS")
    slack.command("digest now", user="U_BOSS")  # the digest itself is the answer
    slack.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == slack.channel_id)
    files = slack.fake.wait_for_files(2, channel=slack.channel_id)
    assert {f["name"] for f in files} == {"pipeline-funnel.png", "forecast-vs-actual.png"}
    for file in files:
        assert_good_png(file)
    # The text digest went first: a chart illustrates it, never replaces it.
    digest = slack.fake.calls_to("chat.postMessage")[0]
    assert digest.time <= min(c.time for c in slack.fake.calls_to("files.completeUploadExternal"))


def test_a_chart_that_cannot_be_uploaded_never_blocks_the_text_digest(slack):
    seed(slack)
    slack.fake.fail_next("files.getUploadURLExternal", status=400, error="not_allowed_token_type")
    slack.command("digest now", user="U_BOSS")  # the digest itself is the answer
    posted = slack.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == slack.channel_id)
    assert "digest" in posted[0].args["text"].lower()
    deadline = time.monotonic() + 60
    while not any(c.method == "files.getUploadURLExternal" for c in slack.fake.rejected):
        assert time.monotonic() < deadline, "the chart upload was never tried"
        time.sleep(0.05)
    assert slack.fake.shared_files() == []
    assert slack.ask("help")["text"]  # and the server is fine


def test_pipeline_chart_posts_the_funnel_in_the_channel_for_a_manager(slack):
    seed(slack)
    slack.make_manager("U_BOSS")
    reply = slack.ask("pipeline chart", user="U_BOSS")
    assert "Posted" in reply["text"], reply
    (file,) = slack.fake.wait_for_files(1, channel=slack.channel_id)
    assert file["name"] == "pipeline-funnel.png" and "USD" in file["title"]
    assert_good_png(file)


def test_a_members_chart_goes_to_their_dm_even_where_the_channel_has_the_digest(slack):
    """One channel-posting rule (policy.may_post_in_channel): managers post workspace figures; a member's go to them."""
    seed(slack)
    reply = slack.ask("pipeline chart", user="U_REP")
    assert "your DM" in reply["text"]
    assert slack.fake.wait_for_files(1, channel="DU_REP")
    assert slack.fake.shared_files(slack.channel_id) == []
    with unit_of_work(slack.sessions) as session:
        schedules.subscribe(session, slack.actor("U_BOSS", is_manager=True), slack.channel_id, schedules.DIGEST)
    assert "your DM" in slack.ask("pipeline chart", user="U_REP")["text"]
    assert slack.fake.wait_for_files(2, channel="DU_REP")
    assert slack.fake.shared_files(slack.channel_id) == []


def test_forecast_chart_shows_the_period_in_the_users_locale(slack):
    seed(slack)
    slack.fake.users["U_BOSS"] = {"is_admin": True, "locale": "nb-NO"}
    reply = slack.ask("forecast this-quarter chart", user="U_BOSS")
    assert "Posted" in reply["text"], reply
    (file,) = slack.fake.wait_for_files(1, channel=slack.channel_id)
    assert file["name"] == "forecast-vs-actual.png" and "Forecast vs actual" in file["title"]
    assert_good_png(file)
    assert "chart" in slack.ask("pipeline sideways", user="U_BOSS")["text"]  # usage names the chart word


def test_export_sends_a_csv_with_a_bom_to_the_users_dm(slack):
    seed(slack)
    reply = slack.ask("export", user="U_REP")
    assert "Sent 4 deals to your DM" in reply["text"], reply
    (file,) = slack.fake.wait_for_files(1, channel="DU_REP")
    assert file["name"].startswith("deals-") and file["name"].endswith(".csv")
    text = file["data"].decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["title"] for r in rows] == [f"'=Deal {i}" for i in range(4)]
    assert rows[2]["weighted_value"] == "27500.00" and rows[0]["customer"] == "Acme"
    won = slack.ask("export won", user="U_REP")
    assert "Sent 1 deals" in won["text"]
    assert "nothing to export" in slack.ask("export lost", user="U_REP")["text"]
    assert "Usage: `/opp export" in slack.ask("export sideways", user="U_REP")["text"]
    hostile = slack.ask("export <!channel>", user="U_REP")["text"]
    assert "<!channel>" not in hostile and "&lt;!channel&gt;" in hostile


# --- /opp import: the modal, the dry run, the confirmation ------------------------------------------------------------


def hubspot_csv(rows: int, bad: set[int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Record ID", "Deal Name", "Associated Company", "Amount", "Deal Stage", "Close Date"])
    for i in range(rows):
        amount = "-5" if i in bad else f"{100 + i}"
        close = "31/12/2026" if i == 7 and bad else "2026-12-31"  # a date in the wrong format is a bad row too
        writer.writerow([f"hs-{i}", f"Deal {i}", f"Company {i % 5}", amount, "contractsent", close])
    return out.getvalue().encode("utf-8")


def deal_count(slack) -> int:
    from sqlalchemy import func, select

    from oppbot.db.models import Opportunity

    with unit_of_work(slack.sessions) as session:
        return session.scalar(select(func.count()).where(Opportunity.team_id == slack.team_id))


def submit_file(slack, file_id: str, user: str = "U_BOSS") -> dict:
    from fakeslack.signing import new_trigger_id

    from oppbot.slack.ids import Block, Callback, input_action

    slack.command("import", user=user, trigger_id=new_trigger_id())
    form = slack.opened_view(Callback.IMPORT)
    assert any(b.get("element", {}).get("type") == "file_input" for b in form["blocks"])
    values = {
        Block.IMPORT_FILE.value: {input_action(Block.IMPORT_FILE): {"type": "file_input", "files": [{"id": file_id}]}},
        Block.IMPORT_MAP.value: {
            input_action(Block.IMPORT_MAP): {"type": "static_select", "selected_option": {"value": "auto"}}
        },
    }
    _result, body = slack.submit(form, values, user=user)
    assert body.get("response_action") == "update", body  # acked at once; the work goes on after
    return form


def test_import_previews_bad_rows_by_line_and_imports_the_rest_only_after_confirming(slack):
    from oppbot.slack.ids import Callback

    slack.make_manager("U_BOSS")
    bad = {3, 99, 100, 250, 401, 555, 700, 801, 900}
    file_id = slack.fake.add_file("deals.csv", hubspot_csv(1000, bad))
    submit_file(slack, file_id)
    preview = slack.opened_view(Callback.IMPORT_CONFIRM, timeout=60)
    text = json.dumps(preview["blocks"])
    assert "*990* would be created" in text and "*10* bad rows" in text, text
    for i in (*bad, 7):
        assert f"Line {i + 2}:" in text
    assert deal_count(slack) == 0  # a preview writes nothing
    assert preview["submit"]["text"] == "Import 990"
    slack.submit(preview, {}, user="U_BOSS")
    summary = slack.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.args.get("channel") == "DU_BOSS", timeout=60
    )
    assert "990 created" in summary[0].args["text"] and "10 bad rows" in summary[0].args["text"]
    assert deal_count(slack) == 990
    # Imported deals are not announced one by one: that DM is the only message.
    assert len(slack.fake.calls_to("chat.postMessage")) == 1

    again = slack.fake.add_file("deals.csv", hubspot_csv(1000, bad))
    submit_file(slack, again)
    deadline = time.monotonic() + 60
    while "990* unchanged" not in json.dumps(slack.opened_view(Callback.IMPORT_CONFIRM)["blocks"]):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "submit" not in slack.opened_view(Callback.IMPORT_CONFIRM)  # nothing to import: nothing to confirm


def test_members_are_told_imports_are_for_managers_and_broken_files_are_refused_whole(slack):
    from oppbot.slack.ids import Callback

    file_id = slack.fake.add_file("deals.csv", hubspot_csv(3, set()))
    form = submit_file(slack, file_id, user="U_REP")
    deadline = time.monotonic() + 30
    while "Only managers" not in json.dumps(slack.fake.views[form["id"]]["blocks"]):
        assert time.monotonic() < deadline, slack.fake.views[form["id"]]
        time.sleep(0.05)
    slack.make_manager("U_BOSS")
    broken = slack.fake.add_file("deals.csv", "title,customer\nCafé,Ære\n".encode("latin-1"))
    form = submit_file(slack, broken)
    while "not UTF-8" not in json.dumps(slack.fake.views[form["id"]]["blocks"]):
        assert time.monotonic() < deadline, slack.fake.views[form["id"]]
        time.sleep(0.05)
    assert deal_count(slack) == 0
    assert Callback.IMPORT_CONFIRM.value not in {v.get("callback_id") for v in slack.fake.views.values()}


def test_export_then_import_into_an_empty_workspace_then_export_gives_the_same_deals(slack):
    """The round trip as users do it: `/opp export` here, `/opp import` of that file elsewhere, `/opp export` there."""
    import uuid

    from oppbot.slack.ids import Callback

    seed(slack)
    with unit_of_work(slack.sessions) as session:
        boss = slack.actor("U_BOSS", is_manager=True)
        opportunities.move(session, boss, 1, Stage.CLOSED_LOST, loss_reason="price", loss_note="-10% was not enough")
        opportunities.set_category(session, boss, 2, Category.COMMIT)  # the rep's own: comes back as their own
    slack.make_manager("U_BOSS")
    slack.ask("export", user="U_BOSS")
    (first,) = slack.fake.wait_for_files(1, channel="DU_BOSS")

    empty = type(slack)(server=slack.server, team_id=f"T{uuid.uuid4().hex[:8].upper()}")
    file_id = slack.fake.add_file("deals.csv", first["data"], user="U_BOSS")
    submit_file(empty, file_id)
    preview = empty.opened_view(Callback.IMPORT_CONFIRM, timeout=60)
    assert "*4* would be created" in json.dumps(preview["blocks"])
    empty.submit(preview, {}, user="U_BOSS")
    slack.fake.wait_for("chat.postMessage", predicate=lambda c: "imported deals" in c.args.get("text", ""), timeout=60)
    assert "Sent 4 deals" in empty.ask("export", user="U_BOSS")["text"]
    second = next(f for f in slack.fake.wait_for_files(2, channel="DU_BOSS") if f["id"] != first["id"])

    def comparable(data: bytes) -> list[dict]:
        rows = csv.DictReader(io.StringIO(data.decode("utf-8")[1:]))
        return [{k: v for k, v in row.items() if k not in ("number", "created_at")} for row in rows]

    assert comparable(second["data"]) == comparable(first["data"])
    assert comparable(first["data"])[0]["lost_note"] == "'-10% was not enough"
    chosen = comparable(first["data"])[1]
    assert (chosen["forecast_category"], chosen["forecast_category_source"]) == ("commit", "manual")
