"""The domain speaks the reader's language: stage and category names, validation messages, period labels and
schedules in Norwegian under `i18n.use("nb")`, while parsing, stored values and English stay exactly as they were."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oppbot import i18n
from oppbot.domain import analytics
from oppbot.domain.categories import Category, parse_category, validate_override
from oppbot.domain.errors import InvalidInput, PermissionDenied
from oppbot.domain.money import normalise_currency, parse_amount
from oppbot.domain.opportunity import DEFAULT_LOSS_REASONS, loss_reason_label, validate_loss_reason, validate_title
from oppbot.domain.periods import parse_period
from oppbot.domain.probability import parse_probability
from oppbot.domain.refs import parse_ref
from oppbot.domain.schedule import Cadence, Schedule, parse_weekday
from oppbot.domain.stages import Stage, parse_stage, plan_move
from oppbot.services import policy
from oppbot.services.context import Actor

TODAY = date(2026, 12, 7)


def refusal(fn, *args) -> str:
    with pytest.raises(InvalidInput) as caught:
        fn(*args)
    return caught.value.message


def test_stage_labels_use_the_guides_norwegian_terms():
    with i18n.use("nb"):
        assert [s.label for s in Stage] == [
            "Lead",
            "Kvalifisering",
            "Forslag",
            "Forhandling",
            "Lukket-Vunnet",
            "Lukket-Tapt",
        ]
    assert [s.label for s in Stage] == ["Lead", "Qualification", "Proposal", "Negotiation", "Closed-Won", "Closed-Lost"]


def test_category_labels_in_norwegian():
    with i18n.use("nb"):
        assert [c.label for c in Category] == ["Pipeline", "Beste utfall", "Forpliktet", "Lukket", "Utelatt"]
    assert [c.label for c in Category] == ["Pipeline", "Best case", "Commit", "Closed", "Omitted"]


@pytest.mark.parametrize("language", ["en", "nb", "qps"])
def test_parsing_stage_and_category_words_does_not_depend_on_the_active_language(language):
    with i18n.use(language):
        for stage in Stage:
            assert parse_stage(stage.value) is stage
            assert parse_stage(stage.english) is stage
            assert parse_stage(stage.norwegian) is stage
        assert parse_stage("Closed-Won") is Stage.CLOSED_WON and parse_stage("lukket-vunnet") is Stage.CLOSED_WON
        assert parse_stage("kval") is Stage.QUALIFICATION and parse_stage("tapt") is Stage.CLOSED_LOST
        for category in Category:
            assert parse_category(category.english) is category and parse_category(category.norwegian) is category
        assert parse_category("best case") is Category.BEST_CASE and parse_category("beste") is Category.BEST_CASE


def test_validation_errors_in_norwegian_with_their_placeholders_filled():
    with i18n.use("nb"):
        assert refusal(parse_stage, "foo") == (
            "'foo' er ikke et trinn. "
            "Bruk lead, kval, forslag, forhandling, vunnet eller tapt (engelske navn virker også)."
        )
        assert refusal(normalise_currency, "xyz") == (
            "'XYZ' er ikke en ISO 4217-valutakode. Bruk en kode som USD, EUR eller NOK."
        )
        assert refusal(parse_amount, "12.555", "NOK") == "NOK har høyst 2 desimaler."
        assert refusal(parse_ref, "abc") == "'abc' er ikke en avtalereferanse. Bruk #42, 42 eller OPP-42."
        assert refusal(parse_probability, "140") == "Sannsynligheten må være fra 0 til 100 (du skrev 140)."
        assert refusal(validate_title, "x" * 250) == "Tittelen er på 250 tegn; høyst 200."
        assert refusal(parse_weekday, "xx") == "'xx' er ikke en ukedag. Bruk f.eks. mon, tuesday, fri."
        assert refusal(validate_override, Stage.CLOSED_WON, Category.COMMIT) == (
            "En avtale i Lukket-Vunnet er alltid Lukket."
        )
        assert plan_move(Stage.LEAD, Stage.NEGOTIATION).warning == "Kvalifisering, Forslag ble hoppet over."


def test_english_messages_are_unchanged_by_default():
    assert i18n.current() == "en"
    assert refusal(parse_stage, "foo") == (
        "'foo' is not a stage. Use lead, qual, prop, neg, won or lost (Norwegian names work too)."
    )
    assert refusal(parse_amount, "12.555", "NOK") == "NOK has 2 decimals at most."
    assert refusal(validate_title, "x" * 3500) == "The title is 3500 characters; 200 at most."
    assert plan_move(Stage.LEAD, Stage.PROPOSAL).warning == "Qualification was skipped."
    assert plan_move(Stage.LEAD, Stage.NEGOTIATION).warning == "Qualification, Proposal were skipped."
    assert Schedule(Cadence.WEEKLY, 2, "09:00", "Europe/Oslo").describe() == "every Wednesday at 09:00 (Europe/Oslo)"
    assert analytics.as_percent(Decimal("0.125"), 1) == "12.5%" and analytics.band_label(0) == "0–20%"


def test_a_refusal_keeps_its_user_as_data_in_norwegian():
    class Deal:
        number, assignee_id, created_by = 4, "U1", "U1"

    with i18n.use("nb"), pytest.raises(PermissionDenied) as caught:
        policy.require_edit(Actor("T1", "U2"), Deal(), policy.N_("move"))
    assert caught.value.user_id == "U1"
    assert caught.value.render(lambda user_id: f"<@{user_id}>") == (
        "Avtale #4 er tildelt <@U1>: bare de eller en leder kan flytte den."
    )


def test_periods_and_schedules_read_in_norwegian():
    with i18n.use("nb"):
        assert parse_period("2026-Q4", TODAY).label == "4. kvartal 2026"
        assert parse_period("2026-11", TODAY).label == "november 2026"
        assert parse_period("2026-01-01..2026-02-03", TODAY).label == "1. jan. 2026 – 3. feb. 2026"
        assert Schedule(Cadence.DAILY, 0, "08:00", "Europe/Oslo").describe() == "hver dag kl. 08:00 (Europe/Oslo)"
        assert analytics.as_percent(Decimal("0.125"), 1) == "12,5\u00a0%"
    assert parse_period("2026-Q4", TODAY).label == "Q4 2026"
    assert parse_period("2026-11", TODAY).label == "November 2026"


def test_loss_reasons_show_translated_and_are_stored_as_written():
    with i18n.use("nb"):
        assert [loss_reason_label(r) for r in DEFAULT_LOSS_REASONS][:3] == ["Pris", "Konkurrent", "Ingen beslutning"]
        assert validate_loss_reason("pris", DEFAULT_LOSS_REASONS) == "Price"
        assert validate_loss_reason("konk", DEFAULT_LOSS_REASONS) == "Competitor"
        assert validate_loss_reason("comp", DEFAULT_LOSS_REASONS) == "Competitor"
        assert loss_reason_label("Budget cut") == "Budget cut"  # a workspace's own reason is its own words


def test_pseudo_language_marks_every_domain_word():
    with i18n.use("qps"):
        message = refusal(parse_probability, "abc")
        assert message.startswith(i18n.MARK_OPEN) and message.endswith(i18n.MARK_CLOSE)
        assert all(s.label.startswith(i18n.MARK_OPEN) for s in Stage)
        assert all(c.label.startswith(i18n.MARK_OPEN) for c in Category)
