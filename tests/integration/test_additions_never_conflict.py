"""Additions that own nothing of a deal (notes, tasks, activity) never refuse each other or a move.

Only concurrent changes to the deal's own fields conflict (test_concurrent_changes.py). PostgreSQL only: SQLite
takes its write lock at BEGIN, so its writers never overlap to begin with.
"""

from __future__ import annotations

import threading

import pytest
from integration.helpers import make_deal
from integration.rows import deal
from sqlalchemy import func, select

from oppbot.db.models import Note, Task
from oppbot.db.session import unit_of_work
from oppbot.domain.stages import Stage
from oppbot.services import opportunities, tasks
from oppbot.services.context import Actor

ROUNDS = 20
WRITERS = 10


def _together(jobs) -> list[object]:
    """Run the callables at the same moment, each on its own thread and connection; their results or errors."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    results: list[object] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # reported by the assertions, with what it was
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _note(sessions, actor: Actor, number: int, text: str):
    def job():
        with unit_of_work(sessions) as session:
            opportunities.add_note(session, actor, number, text)
        return "ok"

    return job


def _require_postgres(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers at BEGIN: nothing here could overlap")


@pytest.mark.postgres
def test_ten_concurrent_notes_on_one_deal_all_save_in_every_round(sessions, manager, db_url):
    _require_postgres(db_url)
    number = make_deal(sessions, manager, assignee=manager.user_id)
    version = deal(sessions, manager, number).version
    writers = [Actor(manager.team_id, f"U_NOTE{i}") for i in range(WRITERS)]
    for round_ in range(ROUNDS):
        results = _together([_note(sessions, w, number, f"round {round_} from {w.user_id}") for w in writers])
        assert results == ["ok"] * WRITERS, (round_, results)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == ROUNDS * WRITERS
    # Notes are not changes to the deal: a card opened before them still moves it.
    assert deal(sessions, manager, number).version == version


@pytest.mark.postgres
def test_notes_and_tasks_beside_a_move_all_succeed(sessions, manager, db_url):
    _require_postgres(db_url)
    number = make_deal(sessions, manager, assignee=manager.user_id)
    version = deal(sessions, manager, number).version

    def move():
        with unit_of_work(sessions) as session:
            opportunities.move(session, manager, number, Stage.PROPOSAL, expected_version=version)
        return "ok"

    def task(i: int):
        def job():
            with unit_of_work(sessions) as session:
                tasks.add_task(session, manager, number, f"Call {i}", "2030-01-0" + str(i + 1), "09:00", tz="UTC")
            return "ok"

        return job

    jobs = [move] + [_note(sessions, manager, number, f"note {i}") for i in range(4)] + [task(i) for i in range(3)]
    assert _together(jobs) == ["ok"] * len(jobs)
    opp = deal(sessions, manager, number)
    assert opp.stage == Stage.PROPOSAL.value and opp.version == version + 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 3


def test_a_note_stamps_last_activity_without_a_new_version(sessions, manager):
    number = make_deal(sessions, manager, assignee=manager.user_id)
    before = deal(sessions, manager, number)
    with unit_of_work(sessions) as session:
        opportunities.add_note(session, manager, number, "Called them")
    after = deal(sessions, manager, number)
    assert after.version == before.version
    assert after.last_activity_at > before.last_activity_at
