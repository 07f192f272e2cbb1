"""ReplyPoster: replies to response_urls from threads of their own, in order per request, bounded when hosts hang."""

from __future__ import annotations

import logging
import threading

from oppbot.slack import response_urls
from oppbot.slack.response_urls import ReplyPoster


def test_one_requests_replies_arrive_in_the_order_it_made_them(fake_slack):
    poster = ReplyPoster(threads=4)
    gate = fake_slack.slow_responses()
    respond = poster.to(fake_slack.response_url("k1"))
    for n in range(5):
        respond(text=f"reply {n}", response_type="ephemeral")
    assert poster.backlog == 5  # queued, none posted: the caller's thread went on at once
    gate.set()
    replies = fake_slack.wait_for_responses(5, key="k1")
    assert [r.body["text"] for r in replies] == [f"reply {n}" for n in range(5)]
    poster.drain(5)
    assert poster.backlog == 0


def test_a_reply_refused_once_with_a_500_is_retried_and_arrives(fake_slack):
    poster = ReplyPoster()
    fake_slack.fail_next("response_url", status=500)
    poster.to(fake_slack.response_url("k2"))(text="after a retry", blocks=[{"type": "divider"}])
    (reply,) = fake_slack.wait_for_responses(1, key="k2")
    assert reply.body == {"text": "after a retry", "blocks": [{"type": "divider"}]}


def test_beyond_the_backlog_replies_are_dropped_and_logged_not_queued_without_end(fake_slack, monkeypatch, caplog):
    monkeypatch.setattr(response_urls, "REPLY_BACKLOG_MAX", 3)
    poster = ReplyPoster(threads=2)
    gate = fake_slack.slow_responses()
    with caplog.at_level(logging.WARNING, logger="oppbot.slack.response_urls"):
        for n in range(5):
            poster.to(fake_slack.response_url(f"d{n}"))(text=f"reply {n}")
    assert poster.backlog == 3
    assert sum("reply dropped" in r.getMessage() for r in caplog.records) == 2
    gate.set()
    replies = fake_slack.wait_for_responses(3)
    assert sorted(r.body["text"] for r in replies) == ["reply 0", "reply 1", "reply 2"]
    poster.drain(5)


def test_inline_posts_on_the_callers_thread(fake_slack):
    poster = ReplyPoster(inline=True)
    seen: list[str] = []
    original = poster.post

    def post(url, message):
        seen.append(threading.current_thread().name)
        original(url, message)

    poster.post = post
    poster.to(fake_slack.response_url("k3"))(text="now")
    assert seen == [threading.current_thread().name]
    assert [r.body["text"] for r in fake_slack.responses] == ["now"]


def test_an_unreachable_host_is_logged_without_its_url(caplog):
    poster = ReplyPoster(timeout=1)
    with caplog.at_level(logging.WARNING, logger="oppbot.slack.response_urls"):
        poster.to("http://127.0.0.1:9/response/secret-token")(text="lost")
        poster.drain(10)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "oppbot.slack.response_urls"]
    assert "failed" in line and "secret-token" not in line
