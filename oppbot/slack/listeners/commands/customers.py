"""/opp subcommands for customers, the catalog, billables, invoices and tasks."""

from __future__ import annotations

from oppbot.domain.billing import from_minor
from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import parse_id, parse_ref
from oppbot.i18n import N_, _, ngettext
from oppbot.services import billables, catalog, customers, tasks
from oppbot.services.policy import may_edit
from oppbot.slack import parsing
from oppbot.slack.billing_flows import generate_and_post_invoice, viewer_tz
from oppbot.slack.blocks.billables import build_billables_message, build_catalog
from oppbot.slack.blocks.customers import build_customer_page, customer_page_text
from oppbot.slack.blocks.tasks import build_my_tasks, build_task_modal
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.listeners.views import open_views
from oppbot.slack.text import escape, money


def customer(ctx: CommandContext) -> Reply | None:
    if ctx.args.strip().lower() in ("new", "add", "create"):
        # The unresolved actor: no users.info before views.open (trigger_id lives 3 s); the save re-checks.
        open_views.open_customer(ctx, channel_id=ctx.channel_id)
        return None
    if not ctx.args:
        raise InvalidInput.field("customer", _("Name the customer, like `/opp customer Acme`."))
    actor = ctx.actor
    tz = viewer_tz(ctx.deps, ctx.team_id, ctx.user_id)
    with ctx.unit_of_work() as session:
        page = customers.customer_overview(session, actor, ctx.args)
        return Reply(text=customer_page_text(page), blocks=build_customer_page(page, tz=tz))


def catalog_(ctx: CommandContext) -> Reply:
    verb, _sep, rest = ctx.args.partition(" ")
    verb = verb.lower()
    actor = ctx.actor
    with ctx.unit_of_work() as session:
        if verb == "add":
            words = parsing.words(rest)
            if len(words) < 3:
                raise InvalidInput.field(
                    "catalog", _("Give a name, a unit price and a currency: `/opp catalog add Workshop 1200 USD`.")
                )
            *name, price, currency = words
            service = catalog.add_service(
                session, actor, " ".join(name), price, currency, default_currency=ctx.deps.settings.default_currency
            )
            price = money(from_minor(service.unit_price_minor, service.currency), service.currency)
            return Reply(
                text=_("Added `{id}` {name} at {price}.", id=service.id, name=escape(service.name), price=price)
            )
        if verb == "retire":
            service = catalog.retire_service(session, actor, _int(rest, "service"))
            return Reply(text=_("Retired {name}: it is no longer offered for new lines.", name=escape(service.name)))
        if verb not in ("", "list"):
            raise InvalidInput.field(
                "catalog",
                _("Use `/opp catalog`, `/opp catalog add <name> <price> <CUR>` or `/opp catalog retire <id>`."),
            )
        services = catalog.list_services(session, actor)
        return Reply(
            # English says "service(s)" whatever the count (as it always did); the catalog picks Norwegian's form.
            text=ngettext("Service catalog: {n} service(s)", "Service catalog: {n} service(s)", len(services)),
            blocks=build_catalog(services, is_manager=actor.is_manager),
        )


def _int(text: str, field: str) -> int:
    try:
        return parse_id(text.strip().lstrip("#"), field)  # bounded: a 30-digit id names nothing
    except InvalidInput:
        raise InvalidInput.field(
            field, _("'{shown}' is not a service id; see `/opp catalog`.", shown=escape(text.strip()[:20]))
        ) from None


def tasks_(ctx: CommandContext) -> Reply:
    actor = ctx.actor
    tz = viewer_tz(ctx.deps, ctx.team_id, ctx.user_id)
    with ctx.unit_of_work() as session:
        rows = tasks.my_open_tasks(session, actor)
    from oppbot.db.base import utcnow

    return Reply(text=_("Your open tasks: {count}", count=len(rows)), blocks=build_my_tasks(rows, tz=tz, now=utcnow()))


def task(ctx: CommandContext) -> Reply | None:
    words = parsing.words(ctx.args)
    if not words:
        raise InvalidInput.field("task", _("Say which deal, like `/opp task #42 2026-12-01 Send the proposal`."))
    number = parse_ref(words[0])
    if len(words) == 1:
        view = build_task_modal(number, initial_assignee=ctx.user_id, team_id=ctx.team_id, channel_id=ctx.channel_id)
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=view)
        return None
    if len(words) < 3:
        raise InvalidInput.field(
            "task", _("Give a due date and a title: `/opp task #42 2026-12-01 Send the proposal`.")
        )
    actor = ctx.actor
    tz = viewer_tz(ctx.deps, ctx.team_id, ctx.user_id)
    with ctx.unit_of_work() as session:
        created = tasks.add_task(session, actor, number, " ".join(words[2:]), words[1], tz=tz)
    from oppbot.slack.text import when

    return Reply(
        text=_(
            "Task added to #{number}: {title}, due {when}.",
            number=number,
            title=escape(created.title),
            when=when(created.due_at, tz),
        )
    )


def billables_(ctx: CommandContext) -> Reply:
    number = parse_ref(ctx.args)
    actor = ctx.actor
    with ctx.unit_of_work() as session:
        view = billables.billables_for(session, actor, number)
        return Reply(
            text=_("Billables of #{number}: {total}", number=number, total=money(view.total, view.currency)),
            blocks=build_billables_message(view, can_edit=may_edit(actor, view.opportunity)),
        )


def invoice(ctx: CommandContext) -> Reply:
    number = parse_ref(ctx.args)
    return Reply(text=generate_and_post_invoice(ctx, number))


SUBCOMMANDS = [
    Subcommand(
        ("customer", "customers"),
        customer,
        N_("/opp customer <name>"),
        N_("a customer's deals, totals and history; `new` to add one"),
    ),
    Subcommand(
        ("catalog",), catalog_, N_("/opp catalog [add <name> <price> <CUR> | retire <id>]"), N_("the service catalog")
    ),
    Subcommand(("tasks",), tasks_, N_("/opp tasks"), N_("your open follow-up tasks")),
    Subcommand(("task",), task, N_("/opp task <ref> [<YYYY-MM-DD> <title>]"), N_("add a follow-up task")),
    Subcommand(("billables",), billables_, N_("/opp billables <ref>"), N_("a deal's billable lines and total")),
    Subcommand(("invoice",), invoice, N_("/opp invoice <ref>"), N_("invoice a won deal's billables")),
]
