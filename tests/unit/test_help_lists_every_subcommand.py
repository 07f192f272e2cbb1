"""`/opp help` lists every subcommand the /opp dispatcher knows, and every sub-form a handler dispatches on itself
(issue 20: `forecast accuracy` and `forecast snapshot` were missing). Table-driven from the dispatcher's own table, so
a subcommand or form added to it without reaching the help text fails here, however the help is built."""

from __future__ import annotations

import re

import pytest

from oppbot.slack.listeners.commands import HELP_MAX, help_text, registry, subcommands


def _literal_prefix(usage: str) -> str:
    """The words a user types before any placeholder: "/opp forecast accuracy [period]" -> "/opp forecast accuracy"."""
    return re.split(r"\s+[\[<@#(]", usage, maxsplit=1)[0].strip()


ENTRIES = [pytest.param(f"/opp {sub.names[0]}", id=sub.names[0]) for sub in dict.fromkeys(registry().values())]
FORMS = [pytest.param(_literal_prefix(usage), id=_literal_prefix(usage)) for s in subcommands() for usage, _ in s.forms]


@pytest.fixture(scope="module", name="help_text")
def help_text_fixture() -> str:
    return help_text()


@pytest.mark.parametrize("command", ENTRIES + FORMS)
def test_help_names_it(command, help_text):
    assert command in help_text


def test_the_table_has_the_forms_the_issue_found_missing():
    assert {"/opp forecast accuracy", "/opp forecast snapshot"} <= {p.values[0] for p in FORMS}


def test_help_fits_without_being_cut(help_text):
    # help_ cuts at HELP_MAX characters; a list that reached that would silently lose its last lines.
    assert len(help_text) < HELP_MAX
