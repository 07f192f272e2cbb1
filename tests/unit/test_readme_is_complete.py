"""README.md documents every `oppbot` command and option and every make target (issue 20), so a new user following
only the README finds all of them; a command or option added without its line fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from oppbot import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _options():
    for parser in cli.subparsers(cli.build_parser()):
        for action in parser._actions:
            spellings = [o for o in action.option_strings if o not in ("-h", "--help")]
            if spellings:  # documented under any of its spellings (`-o` or `--output`)
                yield pytest.param(parser.prog, spellings, id=f"{parser.prog} {spellings[-1]}")


@pytest.mark.parametrize("command", sorted(cli.COMMANDS))
def test_every_command_is_documented(command):
    assert f"`oppbot {command}" in README


@pytest.mark.parametrize(("prog", "spellings"), list(_options()))
def test_every_option_is_documented(prog, spellings):
    assert any(re.search(rf"(?<![\w-]){re.escape(option)}\b", README) for option in spellings), f"{prog} {spellings}"


def _make_targets() -> list[str]:
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    return phony.split()


@pytest.mark.parametrize("target", _make_targets())
def test_every_make_target_is_documented(target):
    assert f"make {target}" in README


def test_each_set_up_ends_with_oppbot_doctor():
    """The Slack app set-up's last step, the production sequence and the Docker one all run `oppbot doctor`."""
    set_up = README.split("## Create the Slack app", 1)[1].split("\n## ", 1)[0]
    last_step = set_up.strip().split("\n5. ", 1)[1]
    assert last_step.startswith("Run `oppbot doctor`")
    production = README.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    assert production.count("oppbot doctor") >= 2  # the plain sequence and the Docker one
    assert "oppbot dev --http" in README
