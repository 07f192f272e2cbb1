"""A response_url host that stops answering must not hold up anyone's ack (issue 13).

Replies go to the response_url after the ack; they used to be posted from Bolt's listener threads, so a host that
did not answer kept each thread for WebhookClient's 30 s, and once every thread waited the next request could not
even ack (Bolt answers 404 after 3 s without one). Here every reply is held by the fake while more commands arrive
than the server has listener threads: each must still be acknowledged, and every reply must arrive, in order per
request, once the host answers again.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from conftest import SECRET, post
from fakeslack import sign, slash_command_body
from fakeslack.server import FakeSlack

from oppbot.slack.app import LISTENER_THREADS


def test_acks_keep_coming_while_every_reply_waits_on_a_slow_response_url_host(private_server):
    fake: FakeSlack = private_server.fake
    gate = fake.slow_responses()
    commands = LISTENER_THREADS + 16  # more than the listener pool: with replies on it, the last ones never ack
    keys = [uuid.uuid4().hex for _ in range(commands)]

    def send(key: str):
        body = slash_command_body("help", team_id="TSLOW", user_id="U1", response_url=fake.response_url(key))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(SECRET, body)}
        return post(f"{private_server.url}/slack/events", body, headers, timeout=30)

    try:
        with ThreadPoolExecutor(max_workers=commands) as pool:
            acks = list(pool.map(send, keys))
        assert [a.status for a in acks] == [200] * commands
        assert fake.responses == []  # every ack came while no reply had got through
    finally:
        gate.set()
    replies = fake.wait_for_responses(commands, timeout=60)
    assert sorted(r.key for r in replies) == sorted(keys)
    assert all(r.body["text"].startswith("*oppbot*") for r in replies)
