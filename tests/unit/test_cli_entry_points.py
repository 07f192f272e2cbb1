"""`oppbot socket` and `oppbot dev` explain missing credentials in words and use SLACK_API_URL for Socket Mode."""

import pytest

from oppbot import cli
from oppbot.config import get_settings


@pytest.mark.parametrize("argv", [["socket"], ["dev"], ["dev", "--http"]])
def test_missing_credentials_print_what_to_set_not_a_traceback(argv, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN" in err and "manifest.yml" in err and "Traceback" not in err


def test_socket_mode_client_talks_to_the_configured_api_url(tmp_path):
    from fakeslack import FakeSlack

    with FakeSlack() as fake:
        settings = get_settings(
            SLACK_BOT_TOKEN="xoxb-x",
            SLACK_APP_TOKEN="xapp-x",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
            SLACK_CLIENT_ID="",
            SLACK_CLIENT_SECRET="",
        )
        handler = cli._socket_handler(settings)
        assert handler.client.web_client.base_url == fake.base_url
        assert handler.client.app_token == "xapp-x"
        assert fake.calls_to("auth.test")


def _parsers():
    return [pytest.param(p, id=p.prog) for p in cli.subparsers(cli.build_parser())]


@pytest.mark.parametrize("parser", _parsers())
def test_help_shows_every_default(parser):
    """`--help` of every oppbot command (and of ones added later: the formatter is set on the whole tree) shows each
    option's default."""
    import argparse

    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction) or action.default in (None, False):
            continue
        assert f"(default: {action.default})" in text, (action.dest, text)


def test_the_serve_options_are_all_there():
    text = cli.build_parser().parse_args(["serve"])
    assert (text.host, text.port, text.threads) == ("0.0.0.0", 3000, 16)
    assert {"serve", "socket", "worker", "scheduler", "dev", "db", "doctor", "fx"} <= set(cli.COMMANDS)


def test_building_the_app_does_not_warn_about_an_unused_token(monkeypatch, caplog, tmp_path):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and warned "As you gave `client` as well, `token`
    will be unused." on every start; the client carries that same token, so the warning said nothing true."""
    import logging

    from fakeslack import FakeSlack

    from oppbot.slack.app import build_app

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-x")
    caplog.set_level(logging.DEBUG)
    with FakeSlack() as fake:
        settings = get_settings(
            SLACK_BOT_TOKEN="xoxb-x",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=f"sqlite:///{tmp_path}/x.db",
            SLACK_CLIENT_ID="",
            SLACK_CLIENT_SECRET="",
        )
        app = build_app(settings)
    assert app.client.token == "xoxb-x"
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
    # Only that one message is dropped: Bolt's logger is left as it was.
    assert logging.getLogger("slack_bolt.App").filters == []
