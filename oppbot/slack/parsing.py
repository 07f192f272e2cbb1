"""The /opp grammar: slash-command text, as Slack sends it, → typed commands. No I/O.

How the text arrives is decided here once. With should_escape on (manifest.yml), Slack sends a mention as
`<@U123|name>` (some clients `<@U123>`), a channel as `<#C123|name>` (the name may be empty), a link as
`<https://x|label>`, and `&`, `<`, `>` the person typed as `&amp;`, `&lt;`, `&gt;`. `words()` is the one tokenizer
(an entity stays one token, whatever its label holds); `USER` and `CHANNEL` are the one mention and channel rule;
`decode_entities()` turns Slack's three entities back into what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from oppbot.domain.categories import CATEGORY_EXAMPLE, Category, parse_category
from oppbot.domain.errors import InvalidInput
from oppbot.domain.periods import Period, parse_period
from oppbot.domain.refs import parse_ref
from oppbot.domain.stages import STAGE_EXAMPLE, Stage, is_stage_word, parse_stage
from oppbot.i18n import _
from oppbot.services.languages import AUTO, parse_language
from oppbot.services.queries import ListQuery
from oppbot.slack import entities

MAX_BULK = 50  # a bulk change touches at most this many deals: one reply must be able to list them all

USER = re.compile(r"<@([UW][A-Z0-9_]{1,20})(?:\|[^>]*)?>")
CHANNEL = re.compile(r"<#([CG][A-Z0-9_]{1,20})(?:\|[^>]*)?>")
# An entity is a token of its own only where a word starts (Slack puts mentions and links between spaces); a `<`
# inside a word is something the person typed, and stays part of that word.
_TOKEN = re.compile(r"(?<!\S)<[^<>\s][^<>]*>|\S+")
_RANGE = re.compile(r"^(?:#|opp-?)?(\d{1,9})\s*-\s*(?:#|opp-?)?(\d{1,9})$", re.IGNORECASE)


def invalid(message: str, example: str, name: str = "args") -> InvalidInput:
    """InvalidInput whose message ends with an example of the right form."""
    return InvalidInput.field(name, _("{message} For example: `{example}`.", message=message, example=example))


# --- tokens ----------------------------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Command text split on whitespace, each `<…>` entity one token even when its label has spaces."""
    return _TOKEN.findall(text or "")


LANGUAGE_WORDS = ("lang", "language", "språk", "sprak")


def take_language(tokens: list[str], example: str) -> tuple[list[str], str | None]:
    """`lang nb` (also `language en`, `språk norsk`, `lang auto`) anywhere among a subscription's options: the other
    tokens, and the language (`auto`: back to the workspace's; None: not given)."""
    rest: list[str] = []
    language: str | None = None
    i = 0
    while i < len(tokens):
        if tokens[i].lower() not in LANGUAGE_WORDS:
            rest.append(tokens[i])
            i += 1
            continue
        if i + 1 >= len(tokens):
            raise invalid(_("Say which language after `lang`."), example, "language")
        language = parse_language(tokens[i + 1], allow_auto=True) or AUTO
        i += 2
    return rest, language


def decode_entities(text: str) -> str:
    """Slack's three entities back to what the person typed (escaped again, once, on the way out)."""
    return entities.decode(text)


def find_users(text: str) -> list[str]:
    """Every user mentioned in `text`, in order, without repeats."""
    return list(dict.fromkeys(USER.findall(text or "")))


def _leading_words(text: str, count: int) -> tuple[list[str], str]:
    """The first `count` tokens as `words()` splits them, and the rest of the text as typed."""
    rest = (text or "").strip()
    found: list[str] = []
    while rest and len(found) < count:
        match = _TOKEN.match(rest)
        if match is None:
            break
        found.append(match.group(0))
        rest = rest[match.end() :].lstrip()
    return found, rest


def parse_user(token: str) -> str:
    """A user id from a mention as Slack sends it: `<@U123|name>` or `<@U123>`."""
    match = USER.fullmatch((token or "").strip())
    if match:
        return match.group(1)
    shown = (token or "").strip()[:30] or _("(nothing)")
    raise InvalidInput.field(
        "user",
        _("'{shown}' is not a Slack user. Mention them with @ so Slack links the name, like @maria.", shown=shown),
    )


def is_user(token: str) -> bool:
    return bool(USER.fullmatch((token or "").strip()))


def is_channel(token: str) -> bool:
    return bool(CHANNEL.fullmatch((token or "").strip()))


def parse_channel(token: str) -> str:
    match = CHANNEL.fullmatch((token or "").strip())
    if match:
        return match.group(1)
    shown = (token or "").strip()[:30] or _("(nothing)")
    raise InvalidInput.field("channel", _("'{shown}' is not a channel. Type # and pick it, like #sales.", shown=shown))


def parse_refs(text: str) -> list[int]:
    """Deal numbers from `12,13 14`, `#12 #13` and ranges `12-15`, in the order given, without repeats."""
    tokens = [t for t in re.split(r"[,\s]+", (text or "").strip()) if t]
    if not tokens:
        raise invalid(_("Name the deals."), "/opp bulk move 12,13 14-16 prop", "refs")
    numbers: list[int] = []
    for token in tokens:
        match = _RANGE.match(token)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if low == 0 or high < low:
                shown = token[:30]
                raise invalid(_("'{shown}' is not a range of deals.", shown=shown), "/opp bulk move 12-15 prop", "refs")
            if high - low >= MAX_BULK:
                too_many = _("That's more than {max} deals; do at most {max} at a time.", max=MAX_BULK)
                raise InvalidInput.field("refs", too_many)
            numbers.extend(range(low, high + 1))
        else:
            numbers.append(parse_ref(token))
    unique = list(dict.fromkeys(numbers))
    if len(unique) > MAX_BULK:
        too_many = _("That's {count} deals; do at most {max} at a time.", count=len(unique), max=MAX_BULK)
        raise InvalidInput.field("refs", too_many)
    return unique


def _split_first(args: str) -> tuple[str, str]:
    head, _sep, rest = (args or "").strip().partition(" ")
    return head, rest.strip()


def _ref(args: str, example: str) -> tuple[int, str]:
    head, rest = _split_first(args)
    if not head:
        raise invalid(_("Which deal?"), example, "ref")
    try:
        return parse_ref(head), rest
    except InvalidInput as exc:
        raise invalid(exc.message, example, "ref") from None


def _only_ref(args: str, verb: str) -> int:
    """The deal number of a command that takes one deal and nothing else (`won`, `claim`, `unassign`)."""
    example = f"/opp {verb} #42"
    number, rest = _ref(args, example)
    if rest:
        raise invalid(_("`{verb}` takes one deal, not '{rest}'.", verb=verb, rest=rest[:30]), example)
    return number


# --- commands --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Show:
    number: int
    share: bool = False  # `/opp show #42 here`: post the live card in the channel


@dataclass(frozen=True, slots=True)
class Move:
    number: int
    stage: Stage
    reason: str | None = None  # `/opp move 42 lost price`


@dataclass(frozen=True, slots=True)
class Won:
    number: int


@dataclass(frozen=True, slots=True)
class Lost:
    number: int
    reason: str | None = None  # None: ask in the loss modal
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    number: int


@dataclass(frozen=True, slots=True)
class Assign:
    number: int
    user_id: str


@dataclass(frozen=True, slots=True)
class Unassign:
    number: int


@dataclass(frozen=True, slots=True)
class AddNote:
    number: int
    text: str


@dataclass(frozen=True, slots=True)
class Search:
    text: str


@dataclass(frozen=True, slots=True)
class BulkMove:
    numbers: tuple[int, ...]
    stage: Stage
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class BulkAssign:
    numbers: tuple[int, ...]
    user_id: str | None  # None: unassign


# `/opp list` filters are the service's own query: parsed here, paged by list_state(), read by queries.list_deals.
ListArgs = ListQuery


def parse_show(args: str) -> Show:
    number, rest = _ref(args, "/opp show #42")
    if rest.strip().lower() in ("here", "share"):
        return Show(number, share=True)
    if rest:
        refusal = _("`show` takes one deal (and `here` to share it), not '{rest}'.", rest=rest[:30])
        raise invalid(refusal, "/opp show #42 here")
    return Show(number)


def parse_move(args: str) -> Move:
    example = "/opp move #42 proposal"
    number, rest = _ref(args, example)
    head, reason = _split_first(rest)
    if not head:
        question = _("Move deal #{number} to which stage? Use {stages}.", number=number, stages=_(STAGE_EXAMPLE))
        raise invalid(question, example, "stage")
    # "closed won" / "closed-lost" typed as two words
    if head.lower() == "closed" and reason:
        word, reason = _split_first(reason)
        head = f"closed{word}"
    try:
        stage = parse_stage(head)
    except InvalidInput as exc:
        raise invalid(exc.message, example, "stage") from None
    if reason and stage != Stage.CLOSED_LOST:
        raise invalid(_left_over(reason), example)
    return Move(number, stage, reason or None)


def _left_over(reason: str) -> str:
    return _("Only a move to lost takes a reason; '{reason}' was left over.", reason=reason[:30])


def parse_won(args: str) -> Won:
    return Won(_only_ref(args, "won"))


def parse_lost(args: str) -> Lost:
    """`/opp lost 42 [reason] [note…]`: the first word (or "no decision") is the reason, the rest a note."""
    number, rest = _ref(args, "/opp lost #42 price")
    if not rest:
        return Lost(number)
    if rest.lower().startswith("no decision"):
        return Lost(number, "No decision", rest[len("no decision") :].strip() or None)
    reason, note = _split_first(rest)
    return Lost(number, reason, note or None)


def parse_claim(args: str) -> Claim:
    return Claim(_only_ref(args, "claim"))


def parse_assign(args: str) -> Assign:
    example = "/opp assign #42 @maria"
    number, rest = _ref(args, example)
    if not rest:
        raise invalid(_("Assign deal #{number} to whom?", number=number), example, "user")
    try:
        return Assign(number, parse_user(rest))
    except InvalidInput as exc:
        raise invalid(exc.message, example, "user") from None


def parse_unassign(args: str) -> Unassign:
    return Unassign(_only_ref(args, "unassign"))


def parse_note(args: str) -> AddNote:
    example = _("/opp note #42 Called Maria, they want a demo on Friday")
    number, rest = _ref(args, example)
    if not rest:
        raise invalid(_("Write the note after the deal number."), example, "note")
    return AddNote(number, rest)


def parse_search(args: str) -> Search:
    text = " ".join((args or "").split())
    if not text:
        raise invalid(_("Search for what?"), _("/opp search acme licence"), "text")
    return Search(text[:200])


_LIST_FLAGS = {
    **dict.fromkeys(("mine", "my", "me"), "mine"),
    **dict.fromkeys(("unassigned", "nobody", "free"), "unassigned"),
    **dict.fromkeys(("overdue", "late"), "overdue"),
    **dict.fromkeys(("stale", "idle"), "stale"),
}
_RELATIVE = ("this", "current", "next", "last", "previous", "prev")


def _closing_period(tokens: list[str], i: int, today: date) -> tuple[object, int]:
    """The period after `closing` (tokens[i]…), and the index after it. Relative and quarter-first forms may
    arrive as two words ("this month", "q4 2026"), a range as three ("2026-01-01 to 2026-03-31")."""
    if i >= len(tokens):
        raise invalid(_("Closing when?"), "/opp list closing this-month", "period")
    text, i = tokens[i], i + 1
    if i < len(tokens) and text.lower() in _RELATIVE:
        text, i = f"{text} {tokens[i]}", i + 1
    elif i < len(tokens) and re.fullmatch(r"q[1-4]", text, re.I) and re.fullmatch(r"\d{4}", tokens[i]):
        text, i = f"{text}-{tokens[i]}", i + 1
    elif i + 1 < len(tokens) and tokens[i].lower() in ("..", "to"):
        text, i = f"{text}..{tokens[i + 1]}", i + 2
    try:
        return parse_period(text, today), i
    except InvalidInput as exc:
        raise invalid(exc.message, "/opp list closing 2026-Q4", "period") from None


def _not_a_filter(token: str, in_export: bool) -> str:
    shown = token[:30]
    if in_export:
        return _(
            "I don't understand '{shown}' in an export. Filters are a stage, mine, @someone, unassigned, overdue, "
            "stale and closing <period>.",
            shown=shown,
        )
    return _(
        "I don't understand '{shown}' in a list. Filters are a stage, mine, @someone, unassigned, overdue, stale "
        "and closing <period>.",
        shown=shown,
    )


def parse_list(args: str, today: date, *, in_export: bool = False) -> ListArgs:
    """`[stage…] [mine|@user|unassigned] [overdue|stale] [closing <period>]`, in any order."""
    tokens = words(args)
    stages: list[Stage] = []
    flags: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.lower().strip(",")
        i += 1
        if word in _LIST_FLAGS:
            flags[_LIST_FLAGS[word]] = True
        elif word in ("open", "all"):
            continue
        elif is_user(token):
            flags["assignee_id"] = parse_user(token)
        elif word in ("closing", "close", "closes"):
            flags["period"], i = _closing_period(tokens, i, today)
        elif word == "closed" and i < len(tokens) and is_stage_word("closed" + tokens[i]):
            stages.append(parse_stage("closed" + tokens[i]))
            i += 1
        elif is_stage_word(word):
            stages.append(parse_stage(word))
        else:
            raise invalid(_not_a_filter(token, in_export), "/opp list prop mine overdue closing this-quarter")
    if sum(bool(flags.get(k)) for k in ("mine", "unassigned", "assignee_id")) > 1:
        raise invalid(_("Pick one of mine, @someone or unassigned."), "/opp list mine")
    return ListArgs(stages=tuple(dict.fromkeys(stages)), **flags)  # type: ignore[arg-type]


def parse_bulk(args: str) -> BulkMove | BulkAssign:
    """`bulk move <refs> <stage> [reason]` or `bulk assign <refs> @user|nobody`."""
    action, rest = _split_first(args)
    action = action.lower()
    if action == "move":
        return _parse_bulk_move(rest)
    if action == "assign":
        return _parse_bulk_assign(rest)
    shown = action[:20] or _("(nothing)")
    raise invalid(_("Bulk can move or assign, not '{shown}'.", shown=shown), "/opp bulk move 12,13 prop")


def _parse_bulk_move(rest: str) -> BulkMove:
    example = "/opp bulk move 12,13 14-16 prop"
    tokens = words(rest)
    # refs come first; the first token that is a stage word (and not a number) ends them
    split = next((n for n, t in enumerate(tokens) if not re.match(r"^[#\d]|^opp-", t, re.I)), None)
    if split is None or split == 0:
        raise invalid(_("Give the deals, then the stage."), example)
    numbers = parse_refs(" ".join(tokens[:split]))
    stage_word = tokens[split]
    reason_tokens = tokens[split + 1 :]
    if stage_word.lower() == "closed" and reason_tokens:
        stage_word, reason_tokens = "closed" + reason_tokens[0], reason_tokens[1:]
    try:
        stage = parse_stage(stage_word)
    except InvalidInput as exc:
        raise invalid(exc.message, example, "stage") from None
    reason = " ".join(reason_tokens) or None
    if stage == Stage.CLOSED_LOST and not reason:
        raise invalid(_("Losing deals in bulk needs a reason."), "/opp bulk move 12,13 lost price", "loss_reason")
    if reason and stage != Stage.CLOSED_LOST:
        raise invalid(_left_over(reason), example)
    return BulkMove(tuple(numbers), stage, reason)


def _parse_bulk_assign(rest: str) -> BulkAssign:
    example = "/opp bulk assign 12,13 14-16 @maria"
    tokens = words(rest)
    if len(tokens) < 2:
        raise invalid(_("Give the deals, then who gets them."), example)
    who = tokens[-1]
    numbers = parse_refs(" ".join(tokens[:-1]))
    if who.lower() in ("nobody", "none", "unassigned"):
        return BulkAssign(tuple(numbers), None)
    try:
        return BulkAssign(tuple(numbers), parse_user(who))
    except InvalidInput as exc:
        raise invalid(exc.message, example, "user") from None


@dataclass(frozen=True, slots=True)
class FxSet:
    currency: str
    rate: str
    day: date | None


def parse_fx_set(args: str) -> FxSet:
    """`<CUR> <rate> [YYYY-MM-DD]` from `/opp fx set`; the currency and rate are validated by the service."""
    parts = words(args)
    if len(parts) not in (2, 3):
        raise InvalidInput.field("fx", _("Write `/opp fx set EUR 1.10` or `/opp fx set EUR 1.10 2026-11-01`."))
    day = None
    if len(parts) == 3:
        try:
            day = date.fromisoformat(parts[2])
        except ValueError:
            not_a_date = _("'{shown}' is not a date; write YYYY-MM-DD.", shown=parts[2][:20])
            raise InvalidInput.field("date", not_a_date) from None
    return FxSet(parts[0], parts[1], day)


# --- charts, export --------------------------------------------------------------------------------------------------


CHART_WORDS = ("chart", "graph", "png")


def split_chart(args: str) -> tuple[str, bool]:
    """`/opp forecast next-month chart`: the arguments without the chart word, and whether it was there."""
    tokens = words(args)
    kept = [w for w in tokens if w.lower() not in CHART_WORDS]
    return " ".join(kept), len(kept) != len(tokens)


@dataclass(frozen=True, slots=True)
class Pipeline:
    chart: bool = False


def parse_pipeline(args: str) -> Pipeline:
    rest, chart = split_chart(args)
    if rest:
        raise invalid(
            _("`pipeline` takes only `chart` after it (for a period, use `/opp forecast`)."), "/opp pipeline chart"
        )
    return Pipeline(chart=chart)


@dataclass(frozen=True, slots=True)
class Export:
    query: ListArgs


def parse_export(args: str, today: date) -> Export:
    """`/opp export [the filters of /opp list]`."""
    try:
        return Export(parse_list(args, today, in_export=True))
    except InvalidInput as exc:
        raise invalid(exc.message, "/opp export won closing this-year") from None


# --- list state carried by pagination and filter buttons (≤ 2,000 characters in a button value) ----------------------


def list_state(args: ListArgs, offset: int = 0) -> str:
    """A list's filters and page as compact JSON; a period travels by its key so it re-parses to the same dates."""
    import json

    data: dict[str, object] = {"p": max(0, offset)}
    if args.stages:
        data["s"] = [s.value for s in args.stages]
    for key, flag in (("m", args.mine), ("u", args.unassigned), ("o", args.overdue), ("t", args.stale)):
        if flag:
            data[key] = 1
    if args.assignee_id:
        data["a"] = args.assignee_id
    if args.period:
        data["c"] = args.period.key
    if args.text:
        data["q"] = args.text[:200]
    return json.dumps(data, separators=(",", ":"))


def parse_list_state(value: str, today: date) -> tuple[ListArgs, int]:
    import json

    try:
        data = json.loads(value or "{}")
        args = ListArgs(
            stages=tuple(Stage(s) for s in data.get("s", [])),
            mine=bool(data.get("m")),
            assignee_id=data.get("a"),
            unassigned=bool(data.get("u")),
            overdue=bool(data.get("o")),
            stale=bool(data.get("t")),
            period=parse_period(data["c"], today) if data.get("c") else None,
            text=data.get("q"),
        )
        return args, max(0, int(data.get("p", 0)))
    except (ValueError, TypeError, AttributeError, KeyError):
        raise InvalidInput.field("state", _("That list button is out of date; run `/opp list` again.")) from None


def with_stages(args: ListArgs, stages: tuple[Stage, ...]) -> ListArgs:
    from dataclasses import replace

    return replace(args, stages=stages)


# --- forecasting: categories, quotas, adjustments, changes, deal rooms -----------------------------------------------


@dataclass(frozen=True, slots=True)
class SetCategory:
    number: int
    category: Category | None  # None: follow the stage again


@dataclass(frozen=True, slots=True)
class SetQuota:
    user_id: str | None  # None: the team's quota
    period: Period
    amount: str  # validated against the currency by the service
    currency: str | None  # None: the reporting currency


@dataclass(frozen=True, slots=True)
class ListQuotas:
    period: Period | None


@dataclass(frozen=True, slots=True)
class Adjust:
    user_id: str
    period: Period
    amount: str
    note: str


@dataclass(frozen=True, slots=True)
class ShowChanges:
    since: date | None  # None: since the last weekly digest's snapshot
    period: Period | None  # None: this quarter


@dataclass(frozen=True, slots=True)
class Room:
    number: int


def parse_category_command(args: str) -> SetCategory:
    example = "/opp category #42 commit"
    number, rest = _ref(args, example)
    if not rest:
        question = _(
            "Which category for deal #{number}? Use {categories}, or `stage`.",
            number=number,
            categories=_(CATEGORY_EXAMPLE),
        )
        raise invalid(question, example, "category")
    if rest.lower() in ("stage", "default", "auto", "reset"):
        return SetCategory(number, None)
    try:
        return SetCategory(number, parse_category(rest))
    except InvalidInput as exc:
        raise invalid(exc.message, example, "category") from None


def _period(token: str, today: date, example: str) -> Period:
    try:
        return parse_period(token, today)
    except InvalidInput as exc:
        raise invalid(exc.message, example, "period") from None


def parse_quota(args: str, today: date) -> SetQuota | ListQuotas:
    """`quota [period]` lists; `quota @user|team <period> <amount> [CUR]` sets."""
    example = "/opp quota @maria 2027-Q1 250000 EUR"
    tokens = words(args)
    if not tokens or (len(tokens) == 1 and not is_user(tokens[0]) and tokens[0].lower() != "team"):
        return ListQuotas(_period(tokens[0], today, "/opp quota 2027-Q1") if tokens else None)
    who = tokens[0]
    user_id = None
    if who.lower() not in ("team", "all", "everyone"):
        try:
            user_id = parse_user(who)
        except InvalidInput as exc:
            raise invalid(exc.message, example, "user") from None
    if len(tokens) not in (3, 4):
        raise invalid(_("Give who, the period, the amount and (if not the reporting currency) the currency."), example)
    period = _period(tokens[1], today, example)
    if period.kind not in ("month", "quarter"):
        raise invalid(_("A quota is for a month or a quarter."), example, "period")
    return SetQuota(user_id, period, tokens[2], tokens[3] if len(tokens) == 4 else None)


def parse_adjust(args: str, today: date) -> Adjust:
    """`forecast adjust @user <period> <amount> "reason"` (the reason may be unquoted)."""
    example = _('/opp forecast adjust @maria 2027-Q1 180000 "two deals slip to Q2"')
    tokens, rest = _leading_words(args, 3)
    if rest:
        tokens.append(rest)
    if len(tokens) < 3:
        raise invalid(_("Give the rep, the period and your figure, then why."), example)
    try:
        user_id = parse_user(tokens[0])
    except InvalidInput as exc:
        raise invalid(exc.message, example, "user") from None
    period = _period(tokens[1], today, example)
    note = (tokens[3] if len(tokens) > 3 else "").strip()
    for left, right in (('"', '"'), ("“", "”"), ("'", "'")):
        if len(note) >= 2 and note.startswith(left) and note.endswith(right):
            note = note[1:-1].strip()
    if not note:
        raise invalid(_("Say why, after the figure."), example, "note")
    return Adjust(user_id, period, tokens[2], note[:500])


def parse_changes(args: str, today: date) -> ShowChanges:
    """`changes [since <YYYY-MM-DD>|last-week] [period]`."""
    example = "/opp changes since 2026-11-02 2026-Q4"
    tokens = (args or "").split()
    since: date | None = None
    period: Period | None = None
    i = 0
    while i < len(tokens):
        word = tokens[i].lower()
        i += 1
        if word in ("last-week", "lastweek", "week"):
            since = today - timedelta(days=7)
        elif word == "last" and i < len(tokens) and tokens[i].lower() == "week":
            since, i = today - timedelta(days=7), i + 1
        elif word == "since":
            if i >= len(tokens):
                raise invalid(_("Since when?"), example, "since")
            try:
                since = date.fromisoformat(tokens[i])
            except ValueError:
                not_a_date = _("'{shown}' is not a date (YYYY-MM-DD).", shown=tokens[i][:20])
                raise invalid(not_a_date, example, "since") from None
            i += 1
            if since > today:
                raise invalid(_("That date is in the future."), example, "since")
        else:
            period = _period(tokens[i - 1], today, example)
    return ShowChanges(since, period)


def parse_room(args: str) -> Room:
    return Room(_only_ref(args, "room"))
