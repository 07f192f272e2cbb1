"""Modal builders: create/edit deal, loss reason, note, customer. Pure: dicts in, dicts out, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from oppbot import i18n
from oppbot.domain.categories import OPEN_CATEGORIES
from oppbot.domain.opportunity import DESCRIPTION_MAX, EXTERNAL_REF_MAX, LOSS_NOTE_MAX, NOTE_MAX, TITLE_MAX
from oppbot.domain.refs import format_ref
from oppbot.domain.stages import STAGES, Stage
from oppbot.i18n import _, pgettext
from oppbot.slack.blocks.common import (
    actions,
    button,
    context,
    input_block,
    modal,
    option,
    plain_text,
    section,
    static_select,
    text_input,
)
from oppbot.slack.ids import Action, Block, Callback
from oppbot.slack.metadata import ViewMeta
from oppbot.slack.text import escape, percent

# Common ISO 4217 codes offered when the currency picker opens with nothing typed (any code can be searched).
COMMON_CURRENCIES: tuple[str, ...] = (
    "USD",
    "EUR",
    "GBP",
    "NOK",
    "SEK",
    "DKK",
    "CHF",
    "JPY",
    "CAD",
    "AUD",
    "NZD",
    "PLN",
    "CNY",
    "INR",
    "BRL",
    "ZAR",
)


# --- the deal form ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerChoice:
    value: str  # "organization:3"
    label: str


@dataclass(frozen=True, slots=True)
class DealForm:
    """What the create/edit modal shows in its inputs (everything optional: create starts nearly empty)."""

    title: str | None = None
    customer: CustomerChoice | None = None
    value: str | None = None
    currency: str | None = None
    stage: Stage = Stage.LEAD
    probability: int | None = None  # shown only when set by hand; empty means "follows the stage"
    stage_probability: int | None = None  # what the stage would give, for the hint
    expected_close: date | None = None
    description: str | None = None
    external_ref: str | None = None
    assignee: str | None = None
    category: str | None = None  # the rep's forecast category; None: follows the stage


def amount_text(amount: Decimal) -> str:
    """An amount as a person would type it back in: no exponent, no thousands separators."""
    return format(amount.normalize() if amount == amount.to_integral() else amount, "f")


def deal_form_from_opportunity(opp: Any, stage_probability: int | None = None) -> DealForm:
    """The edit form prefilled from a loaded Opportunity (its customer relationship must be loaded)."""
    customer = opp.individual or opp.organization
    kind = "individual" if opp.individual_id else "organization"
    customer_id = opp.individual_id or opp.organization_id
    return DealForm(
        title=opp.title,
        customer=CustomerChoice(
            f"{kind}:{customer_id}", customer.name if customer is not None else f"{kind} {customer_id}"
        ),
        value=amount_text(Decimal(opp.amount_minor).scaleb(-_minor(opp.currency))),
        currency=opp.currency,
        stage=Stage(opp.stage),
        probability=opp.probability if opp.probability_source == "manual" else None,
        stage_probability=stage_probability if stage_probability is not None else opp.probability,
        expected_close=opp.expected_close,
        description=opp.description,
        external_ref=opp.external_ref,
        assignee=opp.assignee_id,
        category=opp.forecast_category,
    )


def _minor(currency: str) -> int:
    from oppbot.domain.money import minor_units

    return minor_units(currency)


def _currency_name(code: str) -> str:
    """The currency's name in the reader's language (CLDR's: `norsk krone`), English as oppbot always showed it."""
    from oppbot.domain.money import currency_name

    if i18n.current() in (i18n.DEFAULT, i18n.PSEUDO):
        return currency_name(code)
    from babel.numbers import get_currency_name

    return get_currency_name(code, locale=i18n.babel_locale())


def currency_option(code: str) -> dict:
    try:
        name = _currency_name(code)
    except Exception:  # an unknown code still shows, as itself
        name = code
    return option(f"{code} — {name}", code)


def currency_options(query: str, workspace_currency: str, limit: int = 100) -> list[dict]:
    """The currency picker's options: the workspace's first, common codes when nothing is typed, else matches."""
    from babel.numbers import list_currencies

    from oppbot.domain.money import currency_name

    wanted = (query or "").strip().casefold()
    if not wanted:
        codes = [workspace_currency] + [c for c in COMMON_CURRENCIES if c != workspace_currency]
        return [currency_option(c) for c in codes][:limit]
    found: list[str] = []
    for code in sorted(c for c in list_currencies() if len(c) == 3 and c.isalpha()):
        try:
            names = f"{currency_name(code)} {_currency_name(code)}"  # English or the reader's own words both find it
        except Exception:
            names = ""
        if code.casefold().startswith(wanted) or wanted in names.casefold():
            found.append(code)
    found.sort(key=lambda c: (c != workspace_currency, not c.casefold().startswith(wanted), c))
    return [currency_option(c) for c in found[:limit]]


def stage_options() -> list[dict]:
    return [option(stage.label, stage.value) for stage in STAGES]


def deal_blocks(form: DealForm, *, workspace_currency: str | None = None, notice: str | None = None) -> list[dict]:
    blocks: list[dict] = []
    if notice:
        blocks.append(context(notice, block_id=Block.CONTEXT.value))
    blocks.append(
        input_block(
            Block.TITLE,
            _("Title"),
            text_input(form.title, max_length=TITLE_MAX, placeholder=_("Acme Corp - Software licence")),
        )
    )

    customer: dict[str, Any] = {
        "type": "external_select",
        "min_query_length": 0,
        "placeholder": plain_text(_("Search customers"), 150),
    }
    if form.customer:
        customer["initial_option"] = option(form.customer.label, form.customer.value)
    blocks.append(input_block(Block.CUSTOMER, _("Customer"), customer))
    blocks.append(
        actions(
            button(_("New customer"), Action.NEW_CUSTOMER.value, "new"),
            # "picker": the customer chosen in the picker above
            button(_("Edit customer"), Action.EDIT_CUSTOMER.value, "picker"),
            block_id=Block.CUSTOMER_ACTIONS.value,
        )
    )
    blocks.append(
        input_block(
            Block.VALUE,
            _("Value"),
            text_input(form.value, max_length=40, placeholder="50000"),
            optional=True,
            hint=_("A number ≥ 0, like 50000 or 12 500.50. Empty means 0."),
        )
    )
    currency_code = form.currency or workspace_currency
    currency: dict[str, Any] = {
        "type": "external_select",
        "min_query_length": 0,
        "placeholder": plain_text(_("Type a code or name"), 150),
    }
    if currency_code:
        currency["initial_option"] = currency_option(currency_code)
    blocks.append(
        input_block(
            Block.CURRENCY,
            _("Currency"),
            currency,
            optional=True,
            hint=_("Any ISO 4217 code. Empty means the workspace currency."),
        )
    )
    stage = {
        "type": "static_select",
        "options": stage_options(),
        "initial_option": option(form.stage.label, form.stage.value),
    }
    blocks.append(input_block(Block.STAGE, _("Stage"), stage))
    if form.stage_probability is not None:
        follows = _("Leave empty to follow the stage (now {probability}).", probability=percent(form.stage_probability))
    else:
        follows = _("Leave empty to follow the stage.")
    blocks.append(
        input_block(
            Block.PROBABILITY,
            _("Probability (%)"),
            text_input(None if form.probability is None else str(form.probability), max_length=5, placeholder="0–100"),
            optional=True,
            hint=follows,
        )
    )
    close: dict[str, Any] = {"type": "datepicker"}
    if form.expected_close:
        close["initial_date"] = form.expected_close.isoformat()
    blocks.append(input_block(Block.EXPECTED_CLOSE, _("Expected close"), close, optional=True))
    blocks.append(
        input_block(
            Block.DESCRIPTION,
            _("Description"),
            text_input(form.description, max_length=DESCRIPTION_MAX, multiline=True),
            optional=True,
        )
    )
    blocks.append(
        input_block(
            Block.EXTERNAL_REF,
            _("External reference"),
            text_input(form.external_ref, max_length=EXTERNAL_REF_MAX, placeholder="CRM-1234"),
            optional=True,
        )
    )
    assignee: dict[str, Any] = {"type": "users_select", "placeholder": plain_text(_("Nobody yet"), 150)}
    if form.assignee:
        assignee["initial_user"] = form.assignee
    blocks.append(input_block(Block.ASSIGNEE, _("Assign to"), assignee, optional=True))
    blocks.append(input_block(Block.CATEGORY, _("Forecast category"), category_select(form.category), optional=True))
    return blocks


def category_select(current: str | None) -> dict:
    """Follow the stage (the default) or the rep's own category; Closed comes with winning, not from here."""
    follow = option(_("Follow the stage"), "stage")
    choices = [follow] + [option(c.label, c.value) for c in OPEN_CATEGORIES]
    chosen = next((o for o in choices if o["value"] == current), follow)
    return {"type": "static_select", "options": choices, "initial_option": chosen}


def create_deal_modal(
    form: DealForm | None = None, *, team_id: str, channel_id: str | None = None, workspace_currency: str | None = None
) -> dict:
    return modal(
        Callback.CREATE_DEAL,
        _("New deal"),
        deal_blocks(form or DealForm(), workspace_currency=workspace_currency),
        submit=_("Create"),
        metadata=ViewMeta(team_id=team_id, channel_id=channel_id or None),
    )


def edit_deal_modal(form: DealForm, *, team_id: str, number: int, version: int, channel_id: str | None = None) -> dict:
    """The version travels in private_metadata: a submit carrying an older one is refused, never overwrites."""
    return modal(
        Callback.EDIT_DEAL,
        _("Edit deal {ref}", ref=format_ref(number)),
        deal_blocks(form),
        submit=pgettext("button", "Save"),
        metadata=ViewMeta(team_id=team_id, number=number, version=version, channel_id=channel_id or None),
    )


# --- loss reason, note, customer, info -------------------------------------------------------------------------------


def loss_reason_modal(
    *,
    team_id: str,
    number: int,
    version: int | None,
    deal_title: str,
    reasons: tuple[str, ...] | list[str],
    origin: dict | None = None,
) -> dict:
    """Asks why a deal was lost. `origin` (channel/ts or response_url) says which card to refresh afterwards."""
    origin = origin or {}
    metadata = ViewMeta(
        team_id=team_id,
        number=number,
        version=version,
        channel_id=origin.get("channel"),
        ts=origin.get("ts"),
        response_url=origin.get("response_url"),
        view_id=origin.get("view_id"),
    )
    reason_select = static_select(
        [option(reason, reason) for reason in list(reasons)[:100]], placeholder=_("Choose a reason")
    )
    closing = _("Closing *{deal}* as Closed-Lost.", deal=f"{format_ref(number)} {escape(deal_title)}")
    note = text_input(None, max_length=LOSS_NOTE_MAX, multiline=True)
    blocks = [
        context(closing, block_id=Block.CONTEXT.value),
        input_block(Block.LOSS_REASON, _("Why was it lost?"), reason_select),
        input_block(Block.LOSS_NOTE, _("Note"), note, optional=True),
    ]
    return modal(Callback.LOSS_REASON, _("Close as lost"), blocks, submit=_("Close as lost"), metadata=metadata)


def note_modal(*, team_id: str, number: int, deal_title: str | None = None, channel_id: str | None = None) -> dict:
    about = f"*{format_ref(number)}*" + (f" {escape(deal_title)}" if deal_title else "")
    blocks = [
        context(
            _("A note on {deal}. Everyone in the workspace can read it.", deal=about), block_id=Block.CONTEXT.value
        ),
        input_block(Block.NOTE, _("Note"), text_input(None, max_length=NOTE_MAX, multiline=True)),
    ]
    return modal(
        Callback.NOTE,
        _("Add a note"),
        blocks,
        submit=_("Add note"),
        metadata=ViewMeta(team_id=team_id, number=number, channel_id=channel_id or None),
    )


def customer_modal(
    *, team_id: str, channel_id: str | None = None, pushed: bool = False, name: str | None = None
) -> dict:
    kinds = [option(_("Organization"), "organization"), option(_("Individual"), "individual")]
    for_individual = _("For an individual.")
    blocks = [
        input_block(Block.CUSTOMER_NAME, _("Name"), text_input(name, max_length=200, placeholder="Acme Corp")),
        input_block(
            Block.CUSTOMER_KIND, _("Type"), {"type": "radio_buttons", "options": kinds, "initial_option": kinds[0]}
        ),
        input_block(
            Block.CUSTOMER_EMAIL,
            _("Email"),
            text_input(None, max_length=255, placeholder="ada@acme.example"),
            optional=True,
            hint=for_individual,
        ),
        input_block(
            Block.CUSTOMER_PHONE, _("Phone"), text_input(None, max_length=64), optional=True, hint=for_individual
        ),
        input_block(
            Block.CUSTOMER_DOMAIN,
            _("Domain"),
            text_input(None, max_length=255, placeholder="acme.example"),
            optional=True,
            hint=_("For an organization."),
        ),
    ]
    return modal(
        Callback.CUSTOMER_NEW,
        _("New customer"),
        blocks,
        submit=_("Create"),
        metadata=ViewMeta(team_id=team_id, channel_id=channel_id or None, pushed=pushed),
    )


def customer_edit_modal(details: Any, *, team_id: str, channel_id: str | None = None, pushed: bool = False) -> dict:
    """Edit a customer: name, and email and phone for an individual or the domain for an organization."""
    blocks = [input_block(Block.CUSTOMER_NAME, _("Name"), text_input(details.name, max_length=200))]
    if details.ref.kind.value == "individual":
        blocks += [
            input_block(Block.CUSTOMER_EMAIL, _("Email"), text_input(details.email, max_length=255), optional=True),
            input_block(Block.CUSTOMER_PHONE, _("Phone"), text_input(details.phone, max_length=64), optional=True),
        ]
    else:
        blocks.append(
            input_block(Block.CUSTOMER_DOMAIN, _("Domain"), text_input(details.domain, max_length=255), optional=True)
        )
    return modal(
        Callback.CUSTOMER_EDIT,
        _("Edit customer"),
        blocks,
        metadata=ViewMeta(team_id=team_id, customer=details.ref.encode(), channel_id=channel_id or None, pushed=pushed),
    )


def loading_modal(title: str, callback: Callback = Callback.DEAL_FOUND) -> dict:
    """What views.open shows at once while the real content loads (a trigger_id dies after 3 s)."""
    loading = context(":hourglass_flowing_sand: " + _("Loading…"))
    return modal(callback, title, [loading], submit=None, close=pgettext("button", "Close"))


def message_modal(title: str, message: str, callback: Callback = Callback.DEAL_FOUND) -> dict:
    """A modal that only says something (a refusal, a missing deal). `message` must already be safe mrkdwn."""
    return modal(callback, title, [section(message)], submit=None, close=pgettext("button", "Close"))


def blocks_modal(title: str, blocks: list[dict], callback: Callback = Callback.DEAL_FOUND) -> dict:
    """Read-only modal around ready-made blocks (a deal card opened from App Home)."""
    return modal(callback, title, blocks, submit=None, close=pgettext("button", "Close"))
