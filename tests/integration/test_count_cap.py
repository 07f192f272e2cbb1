"""A list or search stops counting at 1,000 and says `1,000+` (issue 13): a plain `/opp list` or a common word in a
big workspace no longer counts every deal for a figure nobody reads exactly, and paging past it still works."""

from __future__ import annotations

from integration.helpers import bulk_deals
from sqlalchemy import event
from unit.blockkit import all_text

from oppbot import i18n
from oppbot.db import repositories as repo
from oppbot.db.repositories import COUNT_CAP
from oppbot.services import queries
from oppbot.slack.blocks.deal_list import deal_list_message
from oppbot.slack.blocks.home import DealList, deal_section
from oppbot.slack.parsing import ListArgs


def _page(sessions, rep, offset=0, text=None):
    with sessions() as session:
        if text:
            return queries.search(session, rep, text, offset=offset, limit=10)
        return queries.list_deals(session, rep, queries.ListQuery(open_only=True), offset=offset, limit=10)


def test_a_list_past_the_cap_shows_1000_plus_and_its_next_page(sessions, engine, rep):
    bulk_deals(sessions, rep, COUNT_CAP + 5)
    counted: list[str] = []

    def count(conn, cursor, statement, *rest):
        counted.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    page = _page(sessions, rep)
    event.remove(engine, "before_cursor_execute", count)
    assert page.capped and page.total == COUNT_CAP and page.has_next
    count_sql = next(sql for sql in counted if "count(" in sql.lower())
    assert "LIMIT" in count_sql.upper()  # the count reads at most COUNT_CAP + 1 rows, not the workspace
    message = deal_list_message(page.items, page.total, 0, ListArgs(), limit=10, capped=page.capped)
    text = all_text(message)
    assert "1–10 of 1,000+" in text and "1,000+ deals" in message["text"]
    assert "Next" in text
    with i18n.use("nb"):
        assert "1–10 av 1\u00a0000+" in all_text(
            deal_list_message(page.items, page.total, 0, ListArgs(), limit=10, capped=True)
        )


def test_paged_past_the_cap_the_count_is_exact_again(sessions, rep):
    bulk_deals(sessions, rep, COUNT_CAP + 5)
    last = _page(sessions, rep, offset=COUNT_CAP)
    assert not last.capped and last.total == COUNT_CAP + 5 and len(last.items) == 5 and not last.has_next
    message = deal_list_message(last.items, last.total, COUNT_CAP, ListArgs(), limit=10)
    assert "1,001–1,005 of 1,005" in all_text(message) and "Next" not in all_text(message)


def test_under_the_cap_the_count_is_exact(sessions, rep):
    bulk_deals(sessions, rep, 12)
    page = _page(sessions, rep)
    assert not page.capped and page.total == 12


def test_a_search_for_a_common_word_is_capped_too(sessions, rep):
    bulk_deals(sessions, rep, COUNT_CAP + 1, search_text="renewal acme")
    page = _page(sessions, rep, text="renewal")
    assert page.capped and page.total == COUNT_CAP
    assert not _page(sessions, rep, text="nothing-like-it").capped


def test_app_home_says_1000_plus_in_the_section_header():
    blocks = deal_section("Open deals", DealList(items=[], total=COUNT_CAP, capped=True), "/opp list", "none")
    assert "(1,000+)" in all_text(blocks)
    assert repo.COUNT_CAP == 1000
