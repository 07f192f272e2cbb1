"""The catalogs (issue 14): every message has its Norwegian, the committed template is what the code says today, and
no user-visible word escapes the catalog.

(a) completeness: every msgid of the nb .po has a non-empty msgstr (every plural form), none is fuzzy, and each
    translation has exactly its msgid's `{placeholders}`;
(b) extraction: a fresh `pybabel extract`, run as `make messages` runs it (the Makefile's EXTRACT and inputs), has
    the same messages (ids, plural ids, contexts) as the committed oppbot.pot, and the nb .po has the same as the .pot;
(c) pseudo-locale: every builder in BUILDERS rendered with sample data under `i18n.use("qps")` (each catalog string
    shown as ⟦…⟧) has no alphabetic word outside a marker once its data (names, titles, mentions, amounts, dates,
    currency codes, refs, emoji, URLs) is taken out. Each builder's failure lists every offending text: the to-do
    list of the wrapping branches.

The checks are functions, and tests at the end show each one flags a message left untranslated or unwrapped.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from oppbot import i18n

ROOT = Path(__file__).resolve().parents[2]
POT = ROOT / "oppbot" / "locale" / "oppbot.pot"
PO = {language: ROOT / "oppbot" / "locale" / language / "LC_MESSAGES" / "oppbot.po" for language in ("nb",)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(message) -> tuple:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _forms(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


# --- (a) completeness ------------------------------------------------------------------------------------------------


def completeness_problems(catalog: Catalog) -> list[str]:
    """Every message that is untranslated (any plural form), fuzzy, or whose placeholders differ from its msgid's."""
    problems = []
    for message in catalog:
        if not message.id:
            continue  # the header
        name = repr(message.id if not message.context else (message.context, message.id))
        if message.fuzzy:
            problems.append(f"fuzzy: {name}")
        forms = _forms(message)
        if not forms or any(not (form or "").strip() for form in forms):
            problems.append(f"untranslated: {name}")
            continue
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in _ids(message)))
        for form in forms:
            got = set(PLACEHOLDER.findall(form))
            if got != wanted:
                problems.append(f"placeholders {sorted(got)} instead of {sorted(wanted)}: {name} → {form!r}")
    return problems


@pytest.mark.parametrize("language", sorted(PO))
def test_every_message_has_its_translation(language):
    problems = completeness_problems(load(PO[language]))
    assert not problems, f"{len(problems)} messages of {language}:\n" + "\n".join(problems)


# --- (b) extraction --------------------------------------------------------------------------------------------------


def makefile_extract() -> tuple[list[str], list[str]]:
    """The Makefile's EXTRACT options and the inputs `make messages` extracts from."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    options = re.search(r"^EXTRACT\s*:=(.*)$", makefile, re.MULTILINE).group(1)
    recipe = re.search(r"pybabel extract \$\(EXTRACT\) -o \S+ (.*)$", makefile, re.MULTILINE).group(1)
    return shlex.split(options), shlex.split(recipe)


def extract(root: Path, output: Path) -> Catalog:
    """A fresh template of the code under `root`, made the way `make messages` makes it."""
    options, inputs = makefile_extract()
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", *options, "-o", str(output), *inputs]
    subprocess.run(command, cwd=root, check=True, capture_output=True)
    return load(output)


def keys(catalog: Catalog) -> set[tuple]:
    return {(message.context, message.id) for message in catalog if message.id}


def extraction_problems(template: Catalog, fresh: Catalog) -> list[str]:
    """Messages the code has that the template lacks (a new text not extracted), and the other way round (a text
    that left the code or was unwrapped, still in the template)."""
    new, stale = keys(fresh) - keys(template), keys(template) - keys(fresh)
    return [f"not in the template: {k!r}" for k in sorted(new, key=repr)] + [
        f"in the template, no longer in the code: {k!r}" for k in sorted(stale, key=repr)
    ]


def test_the_committed_template_is_a_fresh_extraction(tmp_path):
    problems = extraction_problems(load(POT), extract(ROOT, tmp_path / "fresh.pot"))
    assert not problems, "run `make messages`:\n" + "\n".join(problems)


def test_the_extraction_finds_messages_at_all(tmp_path):
    # `make messages` once extracted nothing (babel.cfg's paths start at the directory given): never again.
    assert len(keys(extract(ROOT, tmp_path / "fresh.pot"))) > 10


@pytest.mark.parametrize("language", sorted(PO))
def test_each_catalog_has_the_templates_messages(language):
    problems = extraction_problems(load(POT), load(PO[language]))
    assert not problems, f"run `make messages` ({language}):\n" + "\n".join(problems)


# --- (c) the pseudo-locale -------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 29)
HOSTILE = "<!channel> <@U999> <http://x|y> & co"
# Sample data shown as it is (user data, not oppbot's words): taken out before looking for words.
DATA = [
    "Acme Corp - Software licence",
    "Acme Corp",
    "Acme",
    "Fjord AS",
    "Price",
    "Budget cut",
    "Europe/Oslo",
    "Called them",
    "Ana",
]
MARKED = re.compile(r"⟦[^⟦⟧]*⟧")
DATA_TOKENS = [
    re.compile(r"<[@#!][^>]*>"),  # mentions, channels, <!date^…|…>, <!channel>
    re.compile(r"<https?://[^>]*>|https?://\S+"),  # links
    re.compile(r":[a-z0-9_+-]+:"),  # emoji
    re.compile(r"&(amp|lt|gt);"),  # Slack's escapes
    re.compile(r"\S+@\S+|\b[\w-]+\.example\b"),  # a sample customer's email and web site
    re.compile(r"\b(?:OPP-|INV-)?#?\d[\d,.:]*\b"),  # refs, numbers, times
    re.compile(r"\b[A-Z]{3}\b"),  # currency codes, UTC
    # English dates as oppbot.i18n.day/moment write them (the date format, not a catalog word).
    re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"),
]
# A currency's name is CLDR's locale data (shown in the reader's language), not a catalog word.
CURRENCY_NAMES = [name for name in Locale.parse("en").currencies.values() if " " in name or name.istitle()]
WORD = re.compile(r"[^\W\d_]+")


NOT_TEXT = frozenset({"value", "action_id", "block_id", "callback_id", "private_metadata", "url", "initial_value"})


def visible_texts(node) -> Iterable[str]:
    """Every text a person reads in a message, view or reply: text objects (plain_text, mrkdwn) wherever they sit
    (sections, fields, context, headers, buttons, options, labels, placeholders, titles, submit/close), and a
    message's `text` fallback; not ids, values or metadata."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list | tuple):
        for item in node:
            yield from visible_texts(item)
    elif isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield node["text"]  # a text object's, or a message's fallback
        for key, value in node.items():
            if key not in NOT_TEXT and isinstance(value, dict | list):
                yield from visible_texts(value)


def unmarked_words(text: str, data: Iterable[str] = ()) -> list[str]:
    """The words of `text` that went through no catalog, once markers and data are taken out."""
    previous = None
    while previous != text:  # a marked text with a marked text inside: innermost first
        previous, text = text, MARKED.sub(" ", text)
    for item in sorted([*DATA, *CURRENCY_NAMES, *data], key=len, reverse=True):
        text = text.replace(item, " ")
    for pattern in DATA_TOKENS:
        text = pattern.sub(" ", text)
    return WORD.findall(text)


def offending(rendered, data: Iterable[str] = ()) -> list[str]:
    return [f"{words} in {text!r}" for text in visible_texts(rendered) if (words := unmarked_words(text, data))]


def _deal_event(kind: str):
    from oppbot.domain.stages import Stage
    from oppbot.services.notifications import DealEvent

    return DealEvent(
        kind=kind,
        number=42,
        title="Acme Corp - Software licence",
        customer_name="Acme Corp",
        amount=Decimal("50000"),
        currency="USD",
        stage=Stage.PROPOSAL,
        probability=50,
        assignee_id="U1",
        actor_id="U2",
        from_stage=Stage.QUALIFICATION,
        to_stage=Stage.PROPOSAL,
        to_user="U1",
    )


def _alert(kind: str):
    from oppbot.services.alerts import AlertItem

    return AlertItem(1, 42, "Acme Corp - Software licence", "proposal", "U1", 5000000, "USD", kind, "k", NOW, TODAY)


def _pipeline():
    from oppbot.domain.stages import Stage
    from oppbot.services.queries import CurrencyAmounts, Pipeline, PipelineStage

    usd = CurrencyAmounts(2, Decimal("1000"), Decimal("500"))
    return Pipeline([PipelineStage(Stage.LEAD), PipelineStage(Stage.PROPOSAL, 2, {"USD": usd})])


def _deal_card():
    from unit.blockkit import view

    from oppbot.slack.blocks.deal_card import deal_message

    return deal_message(view())


def _deal_list():
    from unit.blockkit import opportunity

    from oppbot.slack.blocks.deal_list import deal_list_message
    from oppbot.slack.parsing import ListArgs

    return deal_list_message([opportunity(number=n, id=n) for n in range(11, 21)], total=35, offset=10, args=ListArgs())


def _empty_list():
    from oppbot.slack.blocks.deal_list import deal_list_message
    from oppbot.slack.parsing import ListArgs

    return deal_list_message([], total=0, offset=0, args=ListArgs())


def _pipeline_message():
    from oppbot.slack.blocks.pipeline import pipeline_message

    return pipeline_message(_pipeline())


def _create_modal():
    from oppbot.slack.blocks import modals

    return modals.create_deal_modal(
        modals.DealForm(title="Acme"), team_id="T1", channel_id="C1", workspace_currency="NOK"
    )


def _loss_modal():
    from oppbot.slack.blocks import modals

    return modals.loss_reason_modal(
        team_id="T1", number=5, version=2, deal_title="Acme", reasons=("Price", "Budget cut"), origin={}
    )


def _customer_modal():
    from oppbot.slack.blocks import modals

    return modals.customer_modal(team_id="T1")


def _home():
    from unit.blockkit import opportunity

    from oppbot.slack.blocks import home

    deals = home.DealList([opportunity(number=n) for n in range(1, 4)], 3)
    return home.home_view(home.HomeData("U1", _pipeline(), deals, home.DealList(), deals))


def _settings():
    from oppbot.domain.workspace import WorkspaceRules
    from oppbot.services.settings import ManagerEntry, SettingsView
    from oppbot.slack.blocks.settings import build_settings

    rules = WorkspaceRules(currency="EUR", reporting_currency="NOK", timezone="Europe/Oslo", loss_reasons=("Price",))
    return build_settings(SettingsView(rules, (ManagerEntry("U1", "U0", NOW),)))


def _setting_changes():
    from oppbot.services.settings import ManagerChange, SettingChange
    from oppbot.slack.blocks.settings import build_manager_changes, build_setting_change

    return [
        build_setting_change(SettingChange("currency", "USD", "EUR", changed=True)),
        build_setting_change(SettingChange("timezone", "UTC", "Europe/Oslo", changed=False)),
        build_manager_changes("add", [ManagerChange("U1", True), ManagerChange("U2", False)]),
    ]


def _invoice():
    from oppbot.slack.blocks.invoice import build_invoice

    invoice = SimpleNamespace(
        number=12,
        currency="USD",
        total_minor=200,
        created_by="U1",
        created_at=NOW,
        lines=[{"description": "Fjord AS", "quantity": "2", "unit_price_minor": 100, "total_minor": 200}],
    )
    return build_invoice(invoice, deal_number=7, deal_title="Acme", customer_name="Acme Corp")


def _tasks():
    from oppbot.services.tasks import TaskRow
    from oppbot.slack.blocks.tasks import build_my_tasks, build_reminder

    task = SimpleNamespace(id=3, title="Called them", due_at=NOW, created_by="U2", assignee_id="U1")
    row = TaskRow(task, 7, "Acme")
    return [build_my_tasks([row], now=NOW), build_reminder(row)]


def _notifications():
    from oppbot.slack.blocks.notifications import assignment_dm, deal_notification

    return [deal_notification(_deal_event(k)) for k in ("created", "stage_changed", "won", "lost")] + [
        assignment_dm(_deal_event("assigned"))
    ]


def _alerts():
    from oppbot.slack.blocks.alerts import build_assignee_dm, build_channel_summary

    items = [_alert("stale"), _alert("overdue")]
    return [build_channel_summary(items, TODAY), build_assignee_dm(items, TODAY)]


def _help():
    from oppbot.slack.listeners.commands import help_text

    return help_text()


def _language_replies():
    from oppbot.services.languages import LanguageChoice
    from oppbot.services.settings import SettingChange
    from oppbot.slack.listeners.commands import language

    return [
        language.choice_text(LanguageChoice(None, None, "en"), changing=False),
        language.choice_text(LanguageChoice("nb", "nb", "nb"), changing=False),
        language.choice_text(LanguageChoice(None, "nb", "nb"), changing=True),
        language.choice_text(LanguageChoice("nb", None, "en"), changing=True),
        language.choice_text(LanguageChoice("nb", "nb", "nb"), changing=True),
        language.setting_text(SettingChange("language", "en", "nb", changed=True)),
        language.setting_text(SettingChange("language", "nb", "nb", changed=False)),
        language.channel_note(None),
        language.channel_note("nb"),
        language.workspace_line("nb"),
    ]


def _surface(name: str) -> Callable[[], object]:
    """A surface of tests/unit/test_blocks_norwegian.py's sample set (forecast, digest, modals), rendered here."""

    def build() -> object:
        from unit.test_blocks_norwegian import _surfaces

        return _surfaces()[name]

    return build


# (name, builder of sample output, extra data it shows): a builder not listed is not checked; add it here.
BUILDERS: list[tuple[str, Callable[[], object], tuple[str, ...]]] = [
    ("deal card", _deal_card, ()),
    ("deal list", _deal_list, ()),
    ("empty deal list", _empty_list, ()),
    ("pipeline", _pipeline_message, ()),
    ("create modal", _create_modal, ()),
    ("loss modal", _loss_modal, ()),
    ("customer modal", _customer_modal, ()),
    ("App Home", _home, ()),
    ("settings card", _settings, ()),
    ("setting and manager changes", _setting_changes, ()),
    ("invoice", _invoice, ()),
    ("tasks and reminder", _tasks, ()),
    ("deal notifications and DM", _notifications, ()),
    ("alerts summary and DM", _alerts, ()),
    ("/opp help", _help, ()),
    ("language replies", _language_replies, ()),
    *[
        (f"{name} (norwegian builders' sample)", _surface(name), ())
        for name in ("forecast", "digest", "close date", "note")
    ],
]


@pytest.mark.parametrize(
    ("builder", "data"),
    [pytest.param(build, data, id=name) for name, build, data in BUILDERS],
)
def test_no_word_escapes_the_catalog(builder, data):
    with i18n.use(i18n.PSEUDO):
        rendered = builder()
    problems = offending(rendered, data)
    assert not problems, f"{len(problems)} texts with words outside ⟦…⟧:\n" + "\n".join(problems)


# --- the checks check --------------------------------------------------------------------------------------------


def _catalog(*entries) -> Catalog:
    catalog = Catalog(locale="nb", domain="oppbot")
    for msgid, msgstr, *flags in entries:
        catalog.add(msgid, msgstr, flags=flags)
    return catalog


def test_completeness_flags_an_untranslated_fuzzy_or_misplaced_message(tmp_path):
    good = _catalog(
        ("Deal {ref} moved", "Avtale {ref} flyttet"), (("{n} deal", "{n} deals"), ("{n} avtale", "{n} avtaler"))
    )
    assert completeness_problems(good) == []
    bad = _catalog(
        ("Left alone", ""),
        (("{n} deal", "{n} deals"), ("{n} avtale", "")),
        ("Guessed", "Gjettet", "fuzzy"),
        ("Deal {ref} moved", "Avtale {nummer} flyttet"),
    )
    # Through a file, as the real check reads it.
    path = tmp_path / "bad.po"
    with path.open("wb") as handle:
        write_po(handle, bad)
    problems = completeness_problems(load(path))
    assert [p.split(":")[0] for p in problems] == [
        "untranslated",
        "untranslated",
        "fuzzy",
        "placeholders ['nummer'] instead of ['ref']",
    ]


def test_extraction_flags_a_new_text_not_extracted_and_a_text_no_longer_wrapped(tmp_path):
    (tmp_path / "babel.cfg").write_text((ROOT / "babel.cfg").read_text())
    (tmp_path / "oppbot").mkdir()
    code = tmp_path / "oppbot" / "sample.py"
    code.write_text('from oppbot.i18n import _, ngettext, pgettext\n_("Kept")\nngettext("{n} deal", "{n} deals", 2)\n')
    template = extract(tmp_path, tmp_path / "template.pot")
    assert extraction_problems(template, extract(tmp_path, tmp_path / "same.pot")) == []

    # A new text in _() that `make messages` was not run for:
    code.write_text(code.read_text() + '_("Added")\npgettext("button", "Close")\n')
    problems = extraction_problems(template, extract(tmp_path, tmp_path / "added.pot"))
    assert sorted(problems) == ["not in the template: ('button', 'Close')", "not in the template: (None, 'Added')"]

    # A text taken out of _() (left unwrapped): the template still has it.
    code.write_text('from oppbot.i18n import ngettext\nprint("Kept")\nngettext("{n} deal", "{n} deals", 2)\n')
    problems = extraction_problems(template, extract(tmp_path, tmp_path / "unwrapped.pot"))
    assert problems == ["in the template, no longer in the code: (None, 'Kept')"]


def test_the_pseudo_locale_check_flags_an_unwrapped_text_and_passes_a_wrapped_one():
    from oppbot.i18n import _

    with i18n.use(i18n.PSEUDO):
        wrapped = {"type": "section", "text": {"type": "mrkdwn", "text": _("Deal {ref} moved", ref="#42")}}
        unwrapped = {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Deal moved"}}]}
        message = {
            "text": _("Shared by {user}", user="<@U1>"),
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "Acme Corp · USD 1,000.00 · Sat 12 Dec 2026"}},
                {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Claim"}}]},
            ],
        }
    assert offending(wrapped) == []
    assert offending(unwrapped) == ["['Deal', 'moved'] in 'Deal moved'"]
    assert offending(message) == ["['Claim'] in 'Claim'"]  # the data (name, amount, date) is not a word of ours
