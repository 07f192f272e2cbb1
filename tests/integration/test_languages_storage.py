"""Where the language choices are kept (issue 14), on SQLite and PostgreSQL: the workspace's, a user's own choice
beside their cached Slack locale, and each channel subscription's; and the reads the rules make from them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from oppbot.db.models import Activity, SlackUser
from oppbot.db.session import unit_of_work
from oppbot.domain.errors import PermissionDenied
from oppbot.services import languages, notifications, schedules
from oppbot.services import settings as service
from oppbot.services.languages import AUTO, NEVER_FETCHED
from oppbot.services.workspaces import ensure_workspace
from oppbot.slack.roles import USER_CACHE_TTL, _fresh, _remember


@pytest.fixture
def workspace(sessions, rep, outsider):
    with unit_of_work(sessions) as session:
        ensure_workspace(session, rep.team_id, default_currency="NOK")
        ensure_workspace(session, outsider.team_id, default_currency="NOK")


def run(sessions, fn, *args, **kwargs):
    with unit_of_work(sessions) as session:
        return fn(session, *args, **kwargs)


def test_a_users_choice_is_kept_and_a_row_made_for_it_never_counts_as_a_fresh_users_info(
    sessions, workspace, rep, deps_stub
):
    choice = run(sessions, languages.set_user_language, rep, "norsk")
    assert (choice.before, choice.after, choice.effective, choice.changed) == (None, "nb", "nb", True)
    with sessions() as session:
        row = session.get(SlackUser, (rep.team_id, rep.user_id))
        assert row.language == "nb" and row.fetched_at == NEVER_FETCHED
    assert not _fresh(row.fetched_at, datetime.now(UTC))  # the role is still asked of Slack next time

    # A users.info answer refreshes the cache (role, zone, locale) and leaves the choice alone.
    _remember(deps_stub, rep.team_id, rep.user_id, {"real_name": "Rep", "tz": "Europe/Oslo", "locale": "en-US"})
    with sessions() as session:
        row = session.get(SlackUser, (rep.team_id, rep.user_id))
        assert (row.language, row.locale, row.timezone) == ("nb", "en-US", "Europe/Oslo")
        assert datetime.now(UTC) - row.fetched_at < USER_CACHE_TTL
    assert run(sessions, languages.reader_facts, rep.team_id, rep.user_id) == languages.ReaderFacts("nb", "en-US", None)

    again = run(sessions, languages.set_user_language, rep, "nb")
    assert not again.changed
    auto = run(sessions, languages.set_user_language, rep, "auto")
    assert (auto.before, auto.after, auto.effective) == ("nb", None, "en")  # back to the Slack locale


def test_the_workspace_language_is_a_managers_setting_recorded_like_the_others(sessions, workspace, rep, manager):
    with pytest.raises(PermissionDenied):
        run(sessions, service.set_language, rep, "nb")
    change = run(sessions, service.set_language, manager, "norsk")
    assert (change.setting, change.before, change.after, change.changed) == ("language", "en", "nb", True)
    assert not run(sessions, service.set_language, manager, "nb").changed
    with sessions() as session:
        kinds = session.scalars(
            select(Activity.detail).where(Activity.team_id == manager.team_id, Activity.kind == "settings_changed")
        ).all()
    assert [d["setting"] for d in kinds] == ["language"]
    # Everyone without a choice or a supported Slack locale now reads Norwegian.
    assert run(sessions, languages.user_language, rep.team_id, "U_NOBODY") == "nb"
    assert run(sessions, languages.channel_language, rep.team_id, "C_ANY") == "nb"


def test_the_workspace_language_is_per_workspace(sessions, workspace, manager, outsider):
    run(sessions, service.set_language, manager, "nb")
    assert run(sessions, languages.workspace_language, manager.team_id) == "nb"
    assert run(sessions, languages.workspace_language, outsider.team_id) is None
    assert run(sessions, languages.user_language, outsider.team_id, "U_OUT") == "en"


def test_a_digest_or_alerts_subscription_keeps_its_language_until_told_otherwise(sessions, workspace, manager):
    view = run(sessions, schedules.subscribe, manager, "C_NB", schedules.DIGEST, language="nb")
    assert view.language == "nb"
    # Re-subscribing changes only what is given: the language stays.
    view = run(sessions, schedules.subscribe, manager, "C_NB", schedules.DIGEST, time_of_day="10:00")
    assert view.language == "nb"
    assert run(sessions, languages.scheduled_language, manager.team_id, "C_NB", schedules.DIGEST) == "nb"
    assert run(sessions, languages.channel_language, manager.team_id, "C_NB") == "nb"
    view = run(sessions, schedules.subscribe, manager, "C_NB", schedules.DIGEST, language=AUTO)
    assert view.language is None
    assert run(sessions, languages.channel_language, manager.team_id, "C_NB") == "en"

    run(sessions, schedules.subscribe, manager, "C_AL", schedules.ALERTS, language="nb")
    with sessions() as session:
        sub, _tz = schedules.get_subscription(session, run(sessions, schedules.show, manager, "C_AL", "alerts").id)
        assert sub.language == "nb"
        assert languages.subscription_language(session, manager.team_id, sub.language) == "nb"


def test_a_notification_subscription_has_its_language_and_a_reconfiguration_sets_it_anew(sessions, workspace, manager):
    sub = run(sessions, notifications.subscribe, manager, "C_DEALS", (), language="nb")
    assert sub.language == "nb"
    assert [s.language for s in run(sessions, notifications.list_subscriptions, manager)] == ["nb"]
    assert run(sessions, languages.channel_languages, manager.team_id, ["C_DEALS", "C_OTHER"]) == {
        "C_DEALS": "nb",
        "C_OTHER": "en",
    }
    sub = run(sessions, notifications.subscribe, manager, "C_DEALS", ())  # re-configured: everything as given
    assert sub.language is None


def test_many_users_languages_in_one_read(sessions, workspace, rep, manager, deps_stub):
    run(sessions, languages.set_user_language, rep, "nb")
    _remember(deps_stub, rep.team_id, "U_SLACK_NB", {"locale": "nb-NO"})
    _remember(deps_stub, rep.team_id, "U_SLACK_FR", {"locale": "fr-FR"})
    run(sessions, service.set_language, manager, "en")
    found = run(sessions, languages.user_languages, rep.team_id, [rep.user_id, "U_SLACK_NB", "U_SLACK_FR", "U_NEW"])
    assert found == {rep.user_id: "nb", "U_SLACK_NB": "nb", "U_SLACK_FR": "en", "U_NEW": "en"}


def test_the_readers_facts_are_one_statement(engine, sessions, workspace, rep):
    run(sessions, languages.set_user_language, rep, "nb")
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.split()[0].upper())

    with sessions() as session:
        session.connection()  # the transaction's own BEGIN (SQLite's BEGIN IMMEDIATE) is not the read's
        event.listen(engine, "before_cursor_execute", record)
        try:
            facts = languages.reader_facts(session, rep.team_id, rep.user_id)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert facts.choice == "nb"
    assert seen == ["SELECT"]


@pytest.fixture
def deps_stub(sessions):
    """What roles._remember needs: the database (it caches a users.info answer)."""

    class _Deps:
        pass

    deps = _Deps()
    deps.sessions = sessions
    return deps


def test_the_first_text_said_inside_a_requests_transaction_reads_the_language_in_it(sessions, workspace, rep):
    """On SQLite a session of its own would wait for the write lock the request's own transaction holds (10 s, then
    English): the lazy read joins the open unit of work instead."""
    import time
    from types import SimpleNamespace

    from oppbot import i18n
    from oppbot.slack.pipeline import Request

    run(sessions, languages.set_user_language, rep, "nb")
    req = Request.for_test(SimpleNamespace(sessions=sessions), None, team_id=rep.team_id, user_id=rep.user_id)
    started = time.monotonic()
    with req.speaking(), req.unit_of_work() as session:
        session.get(SlackUser, (rep.team_id, rep.user_id))  # the transaction has begun (SQLite: BEGIN IMMEDIATE)
        assert i18n.current() == "nb"
    assert time.monotonic() - started < 2
    assert not req.saved  # a read: nothing recorded as handled
