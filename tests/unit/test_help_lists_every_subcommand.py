"""`/opp help` lists every subcommand the /opp dispatcher knows, and every sub-form a handler dispatches on itself
(issue 20: `forecast accuracy` and `forecast snapshot` were missing). Table-driven from the dispatcher's own table, so
a subcommand or form added to it without reaching the help text fails here, however the help is built."""

from __future__ import annotations

import re

import pytest

from oppbot import i18n
from oppbot.slack.listeners.commands import HELP_MAX, help_parts, help_text, registry, subcommands


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


@pytest.mark.parametrize("language", ["en", "nb", "qps"])
def test_help_fits_slacks_limits_in_every_language(language):
    # One section per part: each within a section's 3,000 characters, and far fewer than a message's 50 blocks.
    with i18n.use(language):
        parts = help_parts()
    assert all(len(part) <= HELP_MAX for part in parts)
    assert len(parts) < 50
    assert "\n".join(parts) == help_text_in(language)


def help_text_in(language: str) -> str:
    with i18n.use(language):
        return help_text()
