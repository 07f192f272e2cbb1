"""Every word oppbot says, in the reader's language: gettext catalogs plus Babel's CLDR formats.

One language is active at a time in a thread (a context variable): the Slack pipeline sets the reader's for a
request, a worker the channel's or the user's for each effect. Code that builds text calls `_()` / `ngettext()`
at render time and never decides a language itself::

    _("Deal {number} moved to {stage}", number=ref, stage=label)
    ngettext("{n} deal", "{n} deals", count)

Module-level tables mark their texts with `N_()` (extracted, not translated) and translate them with `_()` when
they are shown. Placeholders are `str.format` names; a message without parameters is returned as the catalog has
it (so Slack's own `{date_short_pretty}` tokens survive).

The catalogs live in `oppbot/locale/<lang>/LC_MESSAGES/oppbot.po` (the template is `oppbot/locale/oppbot.pot`,
made by `make messages`); `make install` compiles them to `.mo`. A missing or stale `.mo` is compiled from its
`.po` in memory on first use, so a checkout that skipped the build step still speaks every language.

Languages: `en` (the default, and the source language of every msgid) and `nb` (Norwegian Bokmål). The pseudo
language `qps` marks every catalog string as ⟦…⟧ so a test can find words that never went through a catalog.
"""

from __future__ import annotations

import gettext as _gettext
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_currency as _format_currency
from babel.numbers import format_decimal as _format_decimal
from babel.numbers import format_percent as _format_percent

log = logging.getLogger(__name__)
DOMAIN = "oppbot"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# The languages a user, a workspace or a channel may choose; `auto` (a user's own) means "no choice of mine".
LANGUAGES = ("en", "nb")
PSEUDO = "qps"
# The CLDR locale each language formats numbers, money and dates with.
_CLDR = {"en": "en_US", "nb": "nb_NO", PSEUDO: "en_US"}
# Slack's locale codes (`nb-NO`, `en-GB`, …) and a user's own spellings, to our languages. Norwegian (`no`) and
# Nynorsk readers get Bokmål, the written Norwegian our catalog has.
_ALIASES = {
    "no": "nb",
    "nn": "nb",
    "nob": "nb",
    "norsk": "nb",
    "norwegian": "nb",
    "bokmal": "nb",
    "bokmål": "nb",
    "eng": "en",
    "english": "en",
    "engelsk": "en",
}
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"


class _Lazy:
    """A language worked out on first use (the Slack pipeline's reader: a database read it skips when a request
    never says a word). Resolved once; a failing lookup falls back to English rather than hiding the reply."""

    __slots__ = ("_find", "_value")

    def __init__(self, find: Callable[[], str | None]) -> None:
        self._find, self._value = find, None

    def get(self) -> str:
        if self._value is None:
            try:
                found = self._find()
            except Exception:
                log.warning("could not work out the reader's language; English it is", exc_info=True)
                found = None
            self._value = resolve(found)
        return self._value


_current: ContextVar[str | _Lazy] = ContextVar("oppbot_language", default=DEFAULT)


def normalise(code: str | None) -> str | None:
    """One of LANGUAGES for a Slack locale or a typed language (`nb-NO`, `no`, `EN_us`), else None."""
    if not code:
        return None
    text = str(code).strip().lower().replace("_", "-")
    base = text.split("-", 1)[0]
    for candidate in (text, base):
        candidate = _ALIASES.get(candidate, candidate)
        if candidate in LANGUAGES:
            return candidate
    return None


def resolve(*choices: str | None) -> str:
    """The first supported language among `choices` (most specific first: the user's choice, their Slack locale,
    the channel's or workspace's language), else English."""
    for choice in choices:
        language = normalise(choice) if choice != PSEUDO else PSEUDO
        if language:
            return language
    return DEFAULT


def current() -> str:
    value = _current.get()
    return value if isinstance(value, str) else value.get()


@contextmanager
def use(language: str | Callable[[], str | None] | None) -> Iterator[str | None]:
    """Make `language` (resolved; English when unsupported) the active one for the block's duration. A callable is
    asked on the block's first `_()` (or `current()`), once: `use(lambda: request.language)` costs nothing when
    nothing is said. Yields the language (None for a callable, not asked yet)."""
    chosen: str | _Lazy = _Lazy(language) if callable(language) else resolve(language)
    token = _current.set(chosen)
    try:
        yield chosen if isinstance(chosen, str) else None
    finally:
        _current.reset(token)


class _Pseudo(_gettext.NullTranslations):
    """Every catalog string marked, plurals too: a word outside a marker never went through the catalog."""

    def gettext(self, message: str) -> str:
        return f"{MARK_OPEN}{message}{MARK_CLOSE}"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return f"{MARK_OPEN}{msgid1 if n == 1 else msgid2}{MARK_CLOSE}"

    def pgettext(self, context: str, message: str) -> str:
        return self.gettext(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self.ngettext(msgid1, msgid2, n)


def _po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of `language`: its compiled `.mo`, or its `.po` compiled in memory when the `.mo` is missing or
    older than it. English is the msgids themselves."""
    if language == PSEUDO:
        return _Pseudo()
    if language == DEFAULT or language not in LANGUAGES:
        return _gettext.NullTranslations()
    po = _po_path(language)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    return _compile_in_memory(po)


def _compile_in_memory(po: Path) -> _gettext.NullTranslations:
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def _format(text: str, params: dict[str, object]) -> str:
    return text.format(**params) if params else text


def gettext(message: str, /, **params: object) -> str:
    """`message` in the active language, its `{name}` placeholders filled from `params`."""
    return _format(translations(current()).gettext(message), params)


_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The form of a counted message the active language's plural rule picks; `{n}` is the count."""
    return _format(translations(current()).ngettext(singular, plural, n), {"n": n, **params})


def pgettext(context: str, message: str, /, **params: object) -> str:
    """`message` as meant in `context` (a short word for where it appears: `stage`, `button`, …)."""
    return _format(translations(current()).pgettext(context, message), params)


def N_(message: str) -> str:
    """Mark a text for the catalog without translating it (module-level tables); `_()` it when shown."""
    return message


# Formats: what CLDR says for the active language. English keeps oppbot's own money form (`NOK 1,234.00`: the code
# first, so mixed currencies never read alike); Norwegian gets CLDR's (`1 234 567,00 kr`, `10 000,00 €`).


def babel_locale(language: str | None = None) -> Locale:
    return _cldr_locale(language or current())


@cache
def _cldr_locale(language: str) -> Locale:
    return Locale.parse(_CLDR.get(language, _CLDR[DEFAULT]))


def money(amount: Decimal, currency: str) -> str:
    from oppbot.domain.money import format_amount, round_to_minor

    language = current()
    if language in (DEFAULT, PSEUDO):
        return format_amount(amount, currency)
    # CLDR's own digits per currency (NOK 2, JPY 0, KWD 3), the same as ISO 4217's minor units.
    return _format_currency(round_to_minor(amount, currency), currency, locale=_cldr_locale(language))


def decimal_sign() -> str:
    """The decimal separator of the active language: `.` in English, `,` in Norwegian."""
    return _cldr_locale(current()).number_symbols.get("latn", {}).get("decimal", ".") if current() != DEFAULT else "."


def number(value: Decimal | int | float) -> str:
    if current() in (DEFAULT, PSEUDO):
        return f"{value:,}"
    return _format_decimal(value, locale=_cldr_locale(current()))


def percent(value: int | Decimal) -> str:
    """A whole percentage: `25%` in English, `25 %` in Norwegian."""
    if current() in (DEFAULT, PSEUDO):
        return f"{value}%"
    return _format_percent(Decimal(value) / 100, locale=_cldr_locale(current()))


def day(value: date, *, format: str = "medium") -> str:
    """A date as the active language writes it: `Sat 12 Dec 2026` (English, as oppbot always showed it), `lør. 12.
    des. 2026` (Norwegian)."""
    if current() in (DEFAULT, PSEUDO):
        return value.strftime("%a %-d %b %Y")
    return _format_date(value, format="EEE d. MMM y" if format == "medium" else format, locale=_cldr_locale(current()))


def moment(value: datetime, tz: str | ZoneInfo = "UTC") -> str:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = value.astimezone(zone)
    if current() in (DEFAULT, PSEUDO):
        return local.strftime("%-d %b %Y %H:%M %Z")
    return _format_datetime(local, format="d. MMM y HH:mm zzz", locale=_cldr_locale(current()))
