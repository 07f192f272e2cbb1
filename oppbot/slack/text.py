"""mrkdwn text: the one escaping function for user text, and formatting of money, dates and users."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from oppbot import i18n
from oppbot.i18n import _


def escape(text: object) -> str:
    """Neutralise Slack's control characters in user-supplied text: `&` first, then `<` and `>`.

    Every mention and link in mrkdwn starts with `<`, so `<!channel>` or `<http://evil|click>` typed into a title
    shows as text and pings or links nothing. Use this for every string that came from a user or a customer record.
    """
    return str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """At most `limit` characters, cut on a character boundary, never inside an escape sequence like `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ellipsis


def plain(text: object, limit: int) -> str:
    """User text for a plain_text field (buttons, options, titles): not escaped — plain_text isn't parsed."""
    return truncate(" ".join(str(text if text is not None else "").split()), limit)


def user(user_id: str | None, *, nobody: str | None = None) -> str:
    """A mention of a Slack user id we stored (ids are ours, not user text)."""
    if user_id:
        return f"<@{user_id}>"
    return f"_{nobody}_" if nobody else "_" + _("nobody") + "_"


def money(amount: Decimal, currency: str) -> str:
    """An amount as the reader's language writes it: `NOK 1,234.00` in English, `1 234,00 kr` in Norwegian."""
    return i18n.money(amount, currency)


def day(value: date | None, *, missing: str | None = None) -> str:
    return i18n.day(value) if value else (missing or _("no date"))


def when(moment: datetime, tz: str | ZoneInfo = "UTC") -> str:
    """A stored UTC time in the viewer's zone, plus Slack's own date token so clients localise it too."""
    fallback = i18n.moment(moment, tz)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def percent(value: int) -> str:
    return i18n.percent(value)


def error_text(error) -> str:
    """An OppbotError's sentence for Slack: the user it names as a mention, the rest as the service wrote it."""
    return error.render(lambda user_id: f"<@{user_id}>")
