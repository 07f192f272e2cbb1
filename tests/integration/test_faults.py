"""Faults through the real processes: `oppbot serve` takes `/opp` over HTTP, `oppbot worker` runs on a private
redis-server that is stopped, emptied and killed under it, and the fake Slack refuses, rate-limits and holds posts.

In every case each change's channel notification arrives exactly once (one accepted post per effect marker), in the
order of the deal's changes, and the outbox ends with every event finished. `make test` runs each fault once with
fixed kill points; `make soak` runs this module again and again (bench/soak.sh; figures in bench/README.md).
"""

from __future__ import annotations

import signal
import threading
from collections import Counter

import pytest
from fakeslack import FakeSlack
from integration.faults_support import DEALS, TEAM, RedisServer, Rig, in_order, quietly, settle
from integration.helpers import make_customer, make_deal

from oppbot.db.models import CardMessage, Opportunity
from oppbot.db.session import unit_of_work
from oppbot.domain.stages import Stage
from oppbot.services.context import Actor

REP = Actor(team_id=TEAM, user_id="U_REP")
BOSS = Actor(team_id=TEAM, user_id="U_BOSS", is_manager=True)
CARDS = "C0CARDS"

pytestmark = pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def rig(db_url, sessions, tmp_path):
    with FakeSlack() as fake:
        redis = RedisServer(tmp_path / "redis.log")
        redis.start()
        rig = Rig(tmp_path, db_url, sessions, fake, redis)
        try:
            yield rig
            assert fake.violations == [] and fake.errors == [], (fake.violations, fake.errors)
        finally:
            quietly(rig.stop)
            quietly(redis.stop)


def deals(rig: Rig, count: int, by: Actor = REP, **fields) -> list[int]:
    """Deals made before anyone subscribes (their creation is not announced), each with a posted card."""
    customer = make_customer(rig.sessions, by)
    numbers = [make_deal(rig.sessions, by, customer, title=f"Deal {i}", **fields) for i in range(count)]
    with unit_of_work(rig.sessions) as session:
        for number in numbers:
            opp = session.query(Opportunity).filter_by(team_id=TEAM, number=number).one()
            session.add(CardMessage(team_id=TEAM, opportunity_id=opp.id, channel_id=CARDS, ts=f"42.{number:04d}"))
    return numbers


def ready(rig: Rig, processes: int, threads: int) -> None:
    """serve and worker running, the deals' creations handled, then the channel subscribes: only what follows is
    announced there."""
    rig.start_serve()
    rig.start_worker(processes=processes, threads=threads)
    rig.wait_finished()
    rig.subscribe()


def label(stage: str) -> str:
    return Stage(stage).label


def assert_exactly_once(rig: Rig, moves: dict[int, list[str]], *, killed: bool = False) -> None:
    rig.wait_finished()
    posts = rig.notifications()
    assert len(posts) == sum(len(s) for s in moves.values()), (posts, rig.rejected_summary())
    in_order(posts, {n: [label(s) for s in stages] for n, stages in moves.items()})
    markers = rig.markers()
    assert None not in markers and set(markers.values()) == {1}, markers
    # Every move's card refresh and App Home update are recorded done once; each card shows the deal's last stage.
    ledger = rig.ledger()
    for number, stages in moves.items():
        card = rig.fake.messages[(CARDS, f"42.{number:04d}")]
        assert label(stages[-1]) in str(card["blocks"]), (number, stages[-1])
    for effects in ledger.values():
        assert all(state in ("done", "refused") for state in effects.values()), effects
    if not killed:
        # No worker died, so no claim was taken over: one Slack call per recorded card refresh and Home update.
        recorded = Counter(c.split(":")[0] for effects in ledger.values() for c in effects if c != "event")
        assert len(rig.fake.calls_to("chat.update")) == recorded["card"] > 0
        assert len(rig.fake.calls_to("views.publish")) == recorded["home"] > 0


def test_changes_made_while_redis_is_down_are_announced_once_after_it_comes_back_empty(rig):
    (number,) = deals(rig, 1, assignee="U_REP")
    ready(rig, processes=1, threads=4)
    rig.move(number, "qualification")
    rig.fake.wait_for("chat.postMessage", 1, timeout=60, predicate=lambda c: c.args.get("channel") == DEALS)

    rig.redis.stop()
    later = ["proposal", "negotiation", "lead", "qualification"]
    for stage in later:
        rig.move(number, stage)  # serve only writes the database: every change commits with Redis down
    settle(2)  # the relay tries, fails, backs off
    rig.redis.start()  # the same port, empty

    assert_exactly_once(rig, {number: ["qualification", *later]})


def test_redis_restarted_empty_with_messages_in_flight_loses_nothing(rig):
    first, second = deals(rig, 2, assignee="U_REP")
    ready(rig, processes=1, threads=4)
    hold = rig.fake.hold("chat.postMessage", after=False)
    rig.move(first, "qualification")
    assert hold.arrived.wait(60), rig.logs()  # a worker is inside its Slack call
    for number, stage in ((second, "qualification"), (first, "proposal"), (second, "proposal"), (first, "lead")):
        rig.move(number, stage)
    # The relay has handed every change to Redis (queued or reserved by a worker) before Redis goes.
    rig.wait_dispatched()
    rig.redis.stop()
    rig.redis.start()
    hold.release()  # the held post fails; everything Redis held is gone

    assert_exactly_once(rig, {first: ["qualification", "proposal", "lead"], second: ["qualification", "proposal"]})


def test_a_worker_killed_mid_burst_leaves_every_post_made_once_in_each_deals_order(rig):
    numbers = deals(rig, 5, assignee="U_REP")
    ready(rig, processes=2, threads=4)
    cycle = ["qualification", "proposal", "negotiation", "lead"]
    moves = {n: [cycle[i % 4] for i in range(10)] for n in numbers}
    errors: list[BaseException] = []

    def client(number: int) -> None:  # one Slack user per deal, one change after another
        try:
            for stage in moves[number]:
                rig.move(number, stage)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    clients = [threading.Thread(target=client, args=(n,)) for n in numbers]
    for c in clients:
        c.start()
    rig.fake.wait_for("chat.postMessage", 10, timeout=120, predicate=lambda c: c.args.get("channel") == DEALS)
    rig.kill_worker(signal.SIGKILL)  # the relay and both worker processes, with messages reserved
    for c in clients:
        c.join(120)
    assert errors == []
    rig.start_worker(processes=2, threads=4)

    # A card refresh or Home update caught by the kill is done again (it shows current state): not counted here.
    assert_exactly_once(rig, moves, killed=True)


@pytest.mark.parametrize("point", ["claim", "after_call", "after_record"])
def test_a_worker_killed_at_any_point_of_an_effect_leaves_it_done_once(rig, point):
    """claim: the claim is committed, Slack never took the post. after_call: Slack took the post, the worker died
    before recording its ts. after_record: the post is recorded, the event's next effect (the DM) was not done."""
    if point != "after_record":
        (number,) = deals(rig, 1, assignee="U_REP")  # made before the subscription: only the move is announced
    ready(rig, processes=1, threads=2)
    if point == "after_record":
        hold = rig.fake.hold("conversations.open", after=False)
        deals(rig, 1, by=BOSS, assignee="U_NEW")  # created for U_NEW by a manager: a notification, then a DM
    else:
        hold = rig.fake.hold("chat.postMessage", after=point == "after_call")
        rig.move(number, "proposal")
    assert hold.arrived.wait(60), rig.logs()
    rig.kill_worker(signal.SIGKILL)
    hold.release()
    rig.start_worker(processes=1, threads=2)

    rig.wait_finished()
    markers = rig.markers()
    assert None not in markers and set(markers.values()) == {1}, markers
    channel_posts = [c for c in rig.fake.calls_to("chat.postMessage") if c.args.get("channel") == DEALS]
    assert len(channel_posts) == 1
    ledger = rig.ledger()
    (effects,) = [e for e in ledger.values() if f"notify:{DEALS}" in e]
    assert effects[f"notify:{DEALS}"] == "done"
    if point == "after_record":
        assert effects["dm:U_NEW"] == "done"
        assert len([c for c in rig.fake.calls_to("chat.postMessage") if c.args.get("channel") == "DU_NEW"]) == 1


def test_slack_answering_429_to_every_other_post_and_500_to_some_still_delivers_each_once(rig):
    numbers = deals(rig, 3, assignee="U_REP")
    ready(rig, processes=1, threads=4)
    rig.fake.fail_every("chat.postMessage", 2, status=429, retry_after=1)
    # Three 500s in a row outlast the client's two retries: the worker gives up on that call, not on the post.
    rig.fake.fail_next("chat.postMessage", count=3, status=500)
    for number in numbers:
        rig.move(number, "proposal")

    assert_exactly_once(rig, {n: ["proposal"] for n in numbers})
    assert any(c.status == 429 for c in rig.fake.rejected) and any(c.status == 500 for c in rig.fake.rejected)
