"""Two people changing one deal at once: one wins, the other is told, and the history stays consistent."""

import threading

import pytest
from integration.helpers import make_deal
from integration.rows import activity_of, deal, history_of

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import Conflict
from oppbot.domain.stages import Stage
from oppbot.services import opportunities


def test_two_concurrent_moves_of_one_deal_give_one_success_and_one_conflict(sessions, manager):
    number = make_deal(sessions, manager, assignee=manager.user_id)
    version = deal(sessions, manager, number).version  # both users opened the deal at this version
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, object] = {}

    def move_to(stage: Stage) -> None:
        barrier.wait()
        try:
            with unit_of_work(sessions) as s:  # each thread its own session and connection
                opportunities.move(s, manager, number, stage, expected_version=version)
            results[stage.value] = "ok"
        except Conflict as exc:
            results[stage.value] = exc
        except Exception as exc:  # anything else is a failure of the test, reported below
            results[stage.value] = exc

    threads = [threading.Thread(target=move_to, args=(stage,)) for stage in (Stage.QUALIFICATION, Stage.PROPOSAL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    winners = [stage for stage, result in results.items() if result == "ok"]
    losers = [result for result in results.values() if result != "ok"]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], Conflict), results
    assert "Nothing was saved" in losers[0].message

    opp = deal(sessions, manager, number)
    assert opp.stage == winners[0] and opp.version == version + 1
    history = history_of(sessions, manager, number)
    assert [(h.from_stage, h.to_stage) for h in history] == [(None, "lead"), ("lead", winners[0])]
    assert [a.kind for a in activity_of(sessions, manager, number)] == ["created", "stage_changed"]


@pytest.mark.postgres
def test_a_concurrent_update_without_an_expected_version_becomes_a_conflict(sessions, manager, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite takes the write lock at BEGIN, so two writers can never both load the row first")
    number = make_deal(sessions, manager, assignee=manager.user_id)
    first, second = sessions(), sessions()
    try:
        first.begin()
        second.begin()
        # Both load the deal (and its version) before either commits; holding the objects keeps them in each
        # session's identity map (it holds them weakly), as they are held during a real move.
        loaded = [opportunities.repo.get_opportunity(session, manager.team_id, number) for session in (first, second)]
        assert loaded[0].version == loaded[1].version
        opportunities.move(first, manager, number, Stage.QUALIFICATION)
        first.commit()
        with pytest.raises(Conflict, match=f"Someone else changed deal #{number} at the same moment"):
            opportunities.move(second, manager, number, Stage.PROPOSAL)
        second.rollback()
    finally:
        first.close()
        second.close()
    assert deal(sessions, manager, number).stage == "qualification"
    assert [h.to_stage for h in history_of(sessions, manager, number)] == ["lead", "qualification"]
    assert [a.kind for a in activity_of(sessions, manager, number)] == ["created", "stage_changed"]
