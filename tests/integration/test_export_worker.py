"""A large `/opp export` runs in a worker: the request writes an outbox event, the relay hands it to Dramatiq, the
actor posts a progress message in the user's DM, updates it in place, and shares the CSV there, once."""

from __future__ import annotations

import csv
import io

from integration.helpers import bulk_deals, make_customer

from oppbot.db.session import unit_of_work
from oppbot.services import deal_export
from oppbot.slack.parsing import ListArgs, list_state
from workers.actors import QUEUE
from workers.relay import relay_once


def test_a_large_export_shows_progress_in_place_and_arrives_once_in_the_dm(
    sessions, stub, fake_slack, rep, monkeypatch
):
    monkeypatch.setattr(deal_export, "BATCH", 100)
    bulk_deals(sessions, rep, 1000, make_customer(sessions, rep, "=Acme"))
    with unit_of_work(sessions) as session:
        deal_export.request_export(session, rep, list_state(ListArgs()))
    for _ in range(2):  # a redelivered event must not export twice
        while relay_once(sessions, stub).more:
            pass
        stub.join(QUEUE, timeout=30_000)
    (file,) = fake_slack.shared_files("DU_REP")
    rows = list(csv.DictReader(io.StringIO(file["data"].decode("utf-8")[1:])))
    assert len(rows) == 1000 and rows[0]["customer"] == "'=Acme"
    posted = fake_slack.calls_to("chat.postMessage")
    assert len(posted) == 1 and "Exporting 1,000 deals" in posted[0].args["text"]
    updates = [c.args["text"] for c in fake_slack.calls_to("chat.update")]
    assert any("%" in text for text in updates[:-1]) and len(updates) <= 11
    assert updates[-1].startswith("Exported 1,000 deals")
    (progress_ts,) = [ts for (channel, ts) in fake_slack.messages if channel == "DU_REP"]
    assert {c.args["ts"] for c in fake_slack.calls_to("chat.update")} == {progress_ts}  # one message, updated in place
