"""`oppbot doctor`: one line per check, each failure with its fix; exit 0 only when every check passes (issue 20)."""

from __future__ import annotations

import shutil
import socket

import pytest
import yaml
from fakeslack.server import DEFAULT_SCOPES

from oppbot import cli
from oppbot.doctor import MANIFEST, manifest_scopes
from oppbot.slack.oauth import BOT_SCOPES

SECRET = "0123456789abcdef0123456789abcdef"
NAMES = ["settings", "database", "redis", "slack", "signing"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def env(monkeypatch, tmp_path, sqlite_template, fake_slack):
    """A complete HTTP-mode set-up in a fresh directory; each test breaks one thing."""
    fake_slack.team_name = "Acme Sales"
    fake_slack.tokens = {"xoxb-good": "T111"}
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "REDIS_URL", "OPPBOT_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    shutil.copyfile(sqlite_template, tmp_path / "oppbot.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'oppbot.db'}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-good")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    return monkeypatch


def doctor(capsys) -> tuple[int, dict[str, str], str]:
    code = cli.main(["doctor"])
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    checks = {line.split()[0]: line for line in lines[:-1]}
    assert list(checks) == NAMES, out  # in order, one line each
    return code, checks, lines[-1]


def failing(checks: dict[str, str]) -> list[str]:
    return [name for name, line in checks.items() if line.split()[1] == "FAIL"]


def test_all_pass_names_the_team_bot_and_revision(env, capsys, fake_slack):
    code, checks, summary = doctor(capsys)
    assert code == 0 and failing(checks) == [] and summary == "All checks passed."
    assert "HTTP with a bot token" in checks["settings"]
    assert "(head)" in checks["database"]
    assert "in-process broker" in checks["redis"]
    assert "team Acme Sales (T111), bot user @oppbot (UBOT)" in checks["slack"]
    assert fake_slack.calls_to("auth.test")


def test_a_token_without_a_manifest_scope_is_named(env, capsys, fake_slack):
    fake_slack.scopes = [s for s in DEFAULT_SCOPES if s != "chat:write.public"]
    code, checks, _ = doctor(capsys)
    assert code == 2 and failing(checks) == ["slack"]
    assert "lacks chat:write.public" in checks["slack"] and "reinstall" in checks["slack"]


def test_a_refused_token(env, capsys):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    code, checks, summary = doctor(capsys)
    assert code == 2 and failing(checks) == ["slack"] and "invalid_auth" in checks["slack"]
    assert summary == "1 problem(s): slack"


def test_the_wrong_kind_of_token_and_a_signing_secret_of_the_wrong_shape(env, capsys):
    env.setenv("SLACK_BOT_TOKEN", "xapp-1-A1-2-abc")
    env.setenv("SLACK_SIGNING_SECRET", "xoxb-pasted-in-the-wrong-place")
    code, checks, _ = doctor(capsys)
    assert code == 2 and failing(checks) == ["settings", "slack", "signing"]
    assert "SLACK_BOT_TOKEN is an app-level token" in checks["settings"] and "Fix:" in checks["settings"]
    assert "32 hex digits" in checks["signing"] and "Signing Secret" in checks["signing"]


def test_unmigrated_database_and_redis_down(env, capsys, tmp_path):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    env.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/4")
    code, checks, _ = doctor(capsys)
    assert code == 2 and failing(checks) == ["database", "redis"]
    assert "not migrated" in checks["database"] and "run oppbot db upgrade" in checks["database"]
    assert "start Redis or correct REDIS_URL" in checks["redis"]


def test_socket_mode_needs_no_signing_secret(env, capsys):
    env.setenv("SLACK_APP_TOKEN", "xapp-1-A1-2-abc")
    env.delenv("SLACK_SIGNING_SECRET")
    code, checks, _ = doctor(capsys)
    assert code == 0, checks
    assert "Socket Mode with a bot token" in checks["settings"]


def test_oauth_without_secret_key(env, capsys):
    env.delenv("SLACK_BOT_TOKEN")
    env.setenv("SLACK_CLIENT_ID", "1.2")
    env.setenv("SLACK_CLIENT_SECRET", "s")
    code, checks, _ = doctor(capsys)
    assert code == 2 and failing(checks) == ["settings", "slack"] and "OPPBOT_SECRET_KEY" in checks["settings"]
    assert "see the settings line" in checks["slack"]


def test_redis_that_answers(env, capsys, redis_url):
    env.setenv("REDIS_URL", redis_url)
    code, checks, _ = doctor(capsys)
    assert code == 0 and "answers" in checks["redis"]


def test_the_scopes_checked_are_manifest_ymls():
    """The doctor, the OAuth install URL and the fake's default grant all ask for what manifest.yml declares."""
    declared = set(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
    assert manifest_scopes() == declared == set(BOT_SCOPES) == set(DEFAULT_SCOPES)


def _install(settings_env, team: str, token: str) -> None:
    """A workspace installed through OAuth: its bot row, encrypted, as the OAuth flow stores it."""
    from slack_sdk.oauth.installation_store import Bot

    from oppbot.config import get_settings
    from oppbot.db.session import make_engine
    from oppbot.slack.oauth import installation_store

    settings = get_settings()
    engine = make_engine(settings.database_url)
    installation_store(settings, engine).save_bot(
        Bot(app_id="A111", team_id=team, bot_token=token, bot_id="B1", bot_user_id="UBOT", installed_at=1_700_000_000.0)
    )
    engine.dispose()


def test_oauth_checks_every_installed_workspace(env, capsys, fake_slack):
    env.delenv("SLACK_BOT_TOKEN")
    env.setenv("SLACK_CLIENT_ID", "1.2")
    env.setenv("SLACK_CLIENT_SECRET", "s")
    env.setenv("OPPBOT_SECRET_KEY", "a long secret")
    code, checks, _ = doctor(capsys)
    assert code == 0 and "no workspace installed yet" in checks["slack"]

    _install(env, "T111", "xoxb-good")
    code, checks, _ = doctor(capsys)
    assert code == 0 and "1 workspace(s) installed, 1 checked" in checks["slack"], checks["slack"]
    assert [c.token for c in fake_slack.calls_to("auth.test")] == ["xoxb-good"]

    _install(env, "T222", "xoxb-revoked")
    code, checks, _ = doctor(capsys)
    assert code == 2 and failing(checks) == ["slack"]
    assert "2 workspace(s) installed, 2 checked; 1 failed" in checks["slack"]
    assert "workspace T222's token (invalid_auth)" in checks["slack"] and "Fix: reinstall" in checks["slack"]
