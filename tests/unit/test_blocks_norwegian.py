"""The main Block Kit builders in Norwegian (issue 14): the deal card, a list, the create modal, App Home, the
forecast, the digest and an alert render Norwegian words and CLDR's Norwegian money and dates, keep Slack's limits,
and every catalog text is marked in the pseudo language. English output is what the other builder tests check."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from unit.blockkit import all_text, assert_valid_message, opportunity, view

from oppbot import i18n
from oppbot.domain.periods import parse_period
from oppbot.domain.stages import OPEN_STAGES, Stage
from oppbot.services.alerts import OVERDUE, STALE, AlertItem
from oppbot.services.digests import Changes, DealLine, Digest
from oppbot.services.forecast import CurrencyLine, Forecast, Section, StageLine, WonSection
from oppbot.services.queries import CurrencyAmounts, Pipeline, PipelineStage
from oppbot.slack.blocks import home
from oppbot.slack.blocks.alerts import build_assignee_dm, build_channel_summary, build_close_date_modal
from oppbot.slack.blocks.deal_card import deal_message
from oppbot.slack.blocks.deal_list import deal_list_message
from oppbot.slack.blocks.digest import build_digest_message
from oppbot.slack.blocks.forecast import build_forecast
from oppbot.slack.blocks.modals import create_deal_modal, loss_reason_modal, note_modal
from oppbot.slack.parsing import ListArgs

NBSP = "\u00a0"
TODAY = date(2026, 12, 7)
BIG_NOK = f"1{NBSP}234{NBSP}567,00{NBSP}kr"  # CLDR nb_NO: non-breaking spaces, decimal comma, `kr` after


def _nok_deal(**over):
    return opportunity(amount_minor=123456700, currency="NOK", **over)


def _forecast() -> Forecast:
    lines = [StageLine(s, 1, Decimal("1234567"), Decimal("617283.50")) for s in OPEN_STAGES]
    open_ = Section("NOK", lines, [CurrencyLine("EUR", 1, Decimal("10000"), Decimal("5000"), None, None)])
    overdue = Section("NOK", [StageLine(Stage.PROPOSAL, 1, Decimal("1000"), Decimal("500"))])
    return Forecast(
        period=parse_period("2026-Q4", TODAY),
        reporting="NOK",
        today=TODAY,
        open=open_,
        overdue=overdue,
        won=WonSection("NOK", 2, Decimal("1234567")),
        rates_used=[],
        missing=[],
    )


def _digest() -> Digest:
    line = DealLine(42, "Acme", Decimal("1234567"), "NOK", "proposal", TODAY + timedelta(days=5), "U_REP")
    changes = Changes(since=None, counts={"created": 1}, lines={"created": [line]})
    return Digest("T1", TODAY, "Europe/Oslo", "NOK", [_forecast()], changes, [line], 2, 1)


def _alert(kind: str) -> AlertItem:
    return AlertItem(
        1, 42, "Acme", "negotiation", None, 123456700, "NOK", kind, "k", datetime(2026, 11, 1, tzinfo=UTC), TODAY
    )


def _home() -> dict:
    stages = [
        PipelineStage(s, 2, {"NOK": CurrencyAmounts(2, Decimal("1234567"), Decimal("617283.50"))}) for s in OPEN_STAGES
    ]
    deals = home.DealList([_nok_deal(assignee_id="U_REP")], 1)
    return home.home_view(home.HomeData("U_REP", Pipeline(stages), deals, home.DealList(), home.DealList()))


def _surfaces() -> dict[str, dict]:
    """Each main builder once, rendered in the active language."""
    stale = [_alert(STALE), _alert(OVERDUE)]
    return {
        "card": deal_message(view(_nok_deal(), overdue=True, stale=True)),
        "list": deal_list_message([_nok_deal()], total=1, offset=0, args=ListArgs(mine=True)),
        "create": create_deal_modal(team_id="T1", workspace_currency="NOK"),
        "home": _home(),
        "forecast": {"blocks": build_forecast(_forecast(), show_currencies=True)},
        "digest": build_digest_message(_digest(), manual=True),
        "alert summary": build_channel_summary(stale, TODAY),
        "alert dm": build_assignee_dm(stale, TODAY),
        "close date": build_close_date_modal(42, "Acme", TODAY, team_id="T1"),
        "lost": loss_reason_modal(team_id="T1", number=42, version=1, deal_title="Acme", reasons=("Pris",)),
        "note": note_modal(team_id="T1", number=42, deal_title="Acme"),
    }


def _texts(node, found: list[str]) -> list[str]:
    """Every string Slack shows: each text object's text, and a message's fallback."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                _texts(value, found)
    elif isinstance(node, list):
        for value in node:
            _texts(value, found)
    return found


def _plain_texts(node, found: list[str]) -> list[str]:
    if isinstance(node, dict):
        if node.get("type") == "plain_text":
            found.append(node["text"])
        for value in node.values():
            _plain_texts(value, found)
    elif isinstance(node, list):
        for value in node:
            _plain_texts(value, found)
    return found


def test_the_deal_card_reads_norwegian_with_norwegian_money_and_dates():
    with i18n.use("nb"):
        msg = deal_message(view(_nok_deal(), overdue=True, stale=True))
    assert_valid_message(msg)
    text = all_text(msg)
    for word in ("Oversikt", "Sannsynlighet", "Vektet verdi", "Ansvarlig", "Forventet avslutning", "forfalt"):
        assert word in text, word
    for word in ("Overta", "Rediger", "Legg til notat", "Vunnet", "Tapt", "Flytt til …", "Fakturerbart"):
        assert word in text, word
    assert BIG_NOK in text and "50 %" in text.replace(NBSP, " ")
    assert "tor. 31. des. 2026" in text
    assert "Overview" not in text and "Weighted value" not in text


def test_a_list_reads_norwegian_and_counts_with_the_catalogs_plural():
    with i18n.use("nb"):
        msg = deal_list_message([_nok_deal()], total=1, offset=0, args=ListArgs(mine=True))
    assert_valid_message(msg)
    text = all_text(msg)
    assert "Avtaler: 1 avtale (alle trinn · mine)" in msg["text"]
    assert "avsluttes tor. 31. des. 2026" in text and BIG_NOK in text and "Vis kort" in text


def test_the_create_modal_reads_norwegian_within_slacks_limits():
    with i18n.use("nb"):
        modal = create_deal_modal(team_id="T1", workspace_currency="NOK")
    assert modal["title"]["text"] == "Ny avtale"
    assert modal["submit"]["text"] == "Opprett" and modal["close"]["text"] == "Avbryt"
    text = all_text(modal)
    for word in ("Tittel", "Kunde", "Verdi", "Valuta", "Trinn", "Sannsynlighet (%)", "Tildel til", "Prognosekategori"):
        assert f'"{word}"' in text, word
    assert "NOK — norske kroner" in text and "La stå tomt for å følge trinnet" in text


def test_app_home_reads_norwegian():
    with i18n.use("nb"):
        view_ = _home()
    text = all_text(view_)
    assert "Hei <@U_REP> – her er pipelinen." in text
    assert "Mine avtaler (1)" in text and "Åpen pipeline" in text and "2 avtaler" in text
    assert f"{BIG_NOK} (vektet 617{NBSP}283,50{NBSP}kr)" in text and "Ny avtale" in text


def test_the_forecast_reads_norwegian_with_cldr_money():
    with i18n.use("nb"):
        blocks = build_forecast(_forecast(), show_currencies=True)
    text = all_text({"blocks": blocks})
    assert "Åpne avtaler som ventes avsluttet 1. okt.–31. des. 2026:" in text
    assert "Lukket-Vunnet (faktisk)" in text and "Forfalt, tatt med" in text and "Per valuta" in text
    assert f"4{NBSP}938{NBSP}268,00{NBSP}kr" in text and f"10{NBSP}000,00{NBSP}€ (ingen kurs)" in text
    assert "vektet" in text and "weighted" not in text


def test_the_digest_reads_norwegian():
    with i18n.use("nb"):
        msg = build_digest_message(_digest(), manual=True)
    assert_valid_message(msg)
    text = all_text(msg)
    assert msg["text"] == "Ukentlig pipelineoppsummering for man. 7. des. 2026"
    assert "beløp i NOK (Europe/Oslo) · sendt på forespørsel" in text
    assert "Siden forrige oppsummering:* 1 ny" in text and "Største avtaler som avsluttes snart" in text
    assert ":hourglass: 2 inaktive · :warning: 1 forfalt" in text and BIG_NOK in text


def test_alerts_and_their_buttons_read_norwegian():
    items = [_alert(STALE), _alert(OVERDUE)]
    with i18n.use("nb"):
        summary = build_channel_summary(items, TODAY)
        dm = build_assignee_dm(items, TODAY)
    assert_valid_message(summary) and assert_valid_message(dm)
    assert summary["text"] == "Pipelinevarsler: 1 inaktive, 1 forfalt"
    text = all_text(summary) + all_text(dm)
    assert "ingen aktivitet på 36 dager i" in text and "ventet avsluttet man. 7. des. 2026" in text
    for button in ("Overta", "Utsett 7 dager", "Endre avslutningsdato", "Merk som tapt"):
        assert f'"{button}"' in text, button
    assert "Avtalene dine trenger oppfølging" in text and BIG_NOK in text


def test_norwegian_texts_keep_slacks_limits_and_modal_titles_fit():
    with i18n.use("nb"):
        surfaces = _surfaces()
    for name, surface in surfaces.items():
        for key in ("title", "submit", "close"):
            if key in surface:
                assert len(surface[key]["text"]) <= 24 and not surface[key]["text"].endswith("…"), (name, key)
        for text in _plain_texts(surface, []):
            assert len(text) <= 3000, name
        for block in surface.get("blocks", []):
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    assert len(element["text"]["text"]) <= 75 and not element["text"]["text"].endswith("…"), name


# Words the pseudo language leaves unmarked because they are data: names, codes, stage and category labels (the
# domain's to translate), CLDR names of currencies, the sample deal's own text.
_DATA = re.compile(
    r"<[^>]*>|`[^`]*`|:[a-z_]+:|#\d+|\b(?:Acme|Corp|Software|licence|Pris|NOK|EUR|USD|Europe|Oslo|Q4|CRM)\b|"
    r"\b(?:Lead|Qualification|Proposal|Negotiation|Closed-Won|Closed-Lost|Pipeline|Best case|Commit|Omitted)\b|"
    r"— [A-Z][^⟦\"]*|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Oct|Nov|Dec|December|October)\b|\b2026\b"
)


@pytest.mark.parametrize("name", list(_surfaces()))
def test_every_catalog_text_of_the_main_builders_is_marked_in_the_pseudo_language(name):
    with i18n.use("qps"):
        surface = _surfaces()[name]
    for text in _texts(surface, []):
        rest = text
        while True:
            stripped = re.sub(r"⟦[^⟦⟧]*⟧", " ", rest)
            if stripped == rest:
                break
            rest = stripped
        rest = _DATA.sub(" ", rest)
        assert not re.search(r"[A-Za-z]{2,}", rest), (name, text)
