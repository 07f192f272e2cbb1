"""Another workspace's deal numbers are exactly as missing as numbers that never existed."""

import pytest
from integration.helpers import make_deal
from integration.rows import counts, deal, form_of

from oppbot.db.session import unit_of_work
from oppbot.domain.errors import NotFound
from oppbot.domain.stages import Stage
from oppbot.services import opportunities, queries

MISSING = 999

OPERATIONS = {
    "show": lambda s, actor, n, form: queries.show(s, actor, n),
    "move": lambda s, actor, n, form: opportunities.move(s, actor, n, Stage.PROPOSAL),
    "claim": lambda s, actor, n, form: opportunities.claim(s, actor, n),
    "assign": lambda s, actor, n, form: opportunities.assign(s, actor, n, actor.user_id),
    "note": lambda s, actor, n, form: opportunities.add_note(s, actor, n, "hello from outside"),
    "edit": lambda s, actor, n, form: opportunities.edit(s, actor, n, form),
}


def not_found_message(sessions, actor, number, operation, form) -> str:
    with pytest.raises(NotFound) as exc, unit_of_work(sessions) as s:
        OPERATIONS[operation](s, actor, number, form)
    return exc.value.message


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_another_workspace_s_deal_is_not_found_with_the_message_of_a_missing_one(sessions, rep, outsider, operation):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    form = form_of(deal(sessions, rep, number), title="Hijacked")
    before = counts(sessions)
    theirs = not_found_message(sessions, outsider, number, operation, form)
    missing = not_found_message(sessions, rep, MISSING, operation, form)
    assert theirs == f"There is no deal #{number}."
    assert theirs == missing.replace(f"#{MISSING}", f"#{number}")
    assert counts(sessions) == before
    assert deal(sessions, rep, number).title == "Acme Corp - Software licence"


def test_bulk_operations_of_another_workspace_reach_none_of_this_one_s_deals(sessions, rep, outsider):
    number = make_deal(sessions, rep, assignee=rep.user_id)
    before = counts(sessions)
    with unit_of_work(sessions) as s:
        moved = opportunities.bulk_move(s, outsider, [number], Stage.PROPOSAL)
        assigned = opportunities.bulk_assign(s, outsider, [number], outsider.user_id)
    why = {number: f"There is no deal #{number}."}
    assert {n: e.message for n, e in moved.failed.items()} == {n: e.message for n, e in assigned.failed.items()} == why
    assert counts(sessions) == before
