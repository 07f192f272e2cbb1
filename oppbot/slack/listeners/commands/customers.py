"""/opp subcommands for customers, the catalog, billables, invoices and tasks."""

from __future__ import annotations

import importlib

from oppbot.db.session import unit_of_work
from oppbot.domain.billing import from_minor
from oppbot.domain.errors import InvalidInput
from oppbot.domain.refs import parse_id, parse_ref
from oppbot.services import billables, catalog, customers, tasks
from oppbot.services.context import Actor
from oppbot.services.opportunities import may_edit
from oppbot.slack.billing_flows import generate_and_post_invoice, viewer_tz
from oppbot.slack.blocks.billables import build_billables_message, build_catalog
from oppbot.slack.blocks.customers import build_customer_page, customer_page_text
from oppbot.slack.blocks.tasks import build_my_tasks, build_task_modal
from oppbot.slack.listeners.commands.base import CommandContext, Reply, Subcommand
from oppbot.slack.text import escape, money


def customer(ctx: CommandContext) -> Reply | None:
    if ctx.args.strip().lower() == "new":
        # The customer modal belongs to the modals module; use it when it is there.
        try:
            open_views = importlib.import_module("oppbot.slack.listeners.views.open_views")
        except ImportError:
            open_views = None
        opener = getattr(open_views, "open_customer", None)
        if opener is not None:
            # slack-modals' signature: open_customer(client, trigger_id, deps, actor, push=False, channel_id=None)
            # The unresolved actor: no users.info before views.open (trigger_id lives 3 s); the save re-checks.
            opener(
                ctx.client, ctx.trigger_id, ctx.deps, Actor(ctx.team_id, ctx.user_id), channel_id=ctx.channel_id or None
            )
            return None
        return Reply(text="Add a customer from the Customer picker in `/opp new` (choose “New customer”).")
    if not ctx.args:
        raise InvalidInput.field("customer", "Name the customer, like `/opp customer Acme`.")
    actor = ctx.actor
    tz = viewer_tz(ctx.deps, ctx.team_id, ctx.user_id)
    with unit_of_work(ctx.deps.sessions) as session:
        page = customers.customer_overview(session, actor, ctx.args)
        return Reply(text=customer_page_text(page), blocks=build_customer_page(page, tz=tz))


def catalog_(ctx: CommandContext) -> Reply:
    verb, _, rest = ctx.args.partition(" ")
    verb = verb.lower()
    actor = ctx.actor
    with unit_of_work(ctx.deps.sessions) as session:
        if verb == "add":
            words = rest.split()
            if len(words) < 3:
                raise InvalidInput.field(
                    "catalog", "Give a name, a unit price and a currency: `/opp catalog add Workshop 1200 USD`."
                )
            *name, price, currency = words
            service = catalog.add_service(
                session, actor, " ".join(name), price, currency, default_currency=ctx.deps.settings.default_currency
            )
            return Reply(
                text=f"Added `{service.id}` {escape(service.name)} at "
                f"{money(from_minor(service.unit_price_minor, service.currency), service.currency)}."
            )
        if verb == "retire":
            service = catalog.retire_service(session, actor, _int(rest, "service"))
            return Reply(text=f"Retired {escape(service.name)}: it is no longer offered for new lines.")
        if verb not in ("", "list"):
            raise InvalidInput.field(
                "catalog", "Use `/opp catalog`, `/opp catalog add <name> <price> <CUR>` or `/opp catalog retire <id>`."
            )
        services = catalog.list_services(session, actor)
        return Reply(
            text=f"Service catalog: {len(services)} service(s)",
            blocks=build_catalog(services, is_manager=actor.is_manager),
        )


def _int(text: str, field: str) -> int:
    try:
        return parse_id(text.strip().lstrip("#"), field)  # bounded: a 30-digit id names nothing
    except InvalidInput:
        raise InvalidInput.field(
            field, f"'{escape(text.strip()[:20])}' is not a {field} id; see `/opp catalog`."
        ) from None


def tasks_(ctx: CommandContext) -> Reply:
    actor = ctx.actor
    tz = viewer_tz(ctx.deps, ctx.team_id, ctx.user_id)
    with unit_of_work(ctx.deps.sessions) as session:
        rows = tasks.my_open_tasks(session, actor)
    from oppbot.db.base import utcnow

    return Reply(text=f"Your open tasks: {len(rows)}", blocks=build_my_tasks(rows, tz=tz, now=utcnow()))


def task(ctx: CommandContext) -> Reply | None:
    words = ctx.args.split()
    if not words:
        raise InvalidInput.field("task", "Say which deal, like `/opp task #42 2026-12-01 Send the proposal`.")
    number = parse_ref(words[0])
    if len(words) == 1:
        ctx.client.views_open(trigger_id=ctx.trigger_id, view=build_task_modal(number, initial_assignee=ctx.user_id))
        return None
    if len(words) < 3:
        raise InvalidInput.field("task", "Give a due date and a title: `/opp task #42 2026-12-01 Send the proposal`.")
    actor = ctx.actor
    tz = viewer_tz(ctx.deps, ctx.team_id, ctx.user_id)
    with unit_of_work(ctx.deps.sessions) as session:
        created = tasks.add_task(session, actor, number, " ".join(words[2:]), words[1], tz=tz)
    from oppbot.slack.text import when

    return Reply(text=f"Task added to #{number}: {escape(created.title)}, due {when(created.due_at, tz)}.")


def billables_(ctx: CommandContext) -> Reply:
    number = parse_ref(ctx.args)
    actor = ctx.actor
    with unit_of_work(ctx.deps.sessions) as session:
        view = billables.billables_for(session, actor, number)
        return Reply(
            text=f"Billables of #{number}: {money(view.total, view.currency)}",
            blocks=build_billables_message(view, can_edit=may_edit(actor, view.opportunity)),
        )


def invoice(ctx: CommandContext) -> Reply:
    number = parse_ref(ctx.args)
    return Reply(text=generate_and_post_invoice(ctx.deps, ctx.client, ctx.actor, number))


SUBCOMMANDS = [
    Subcommand(
        ("customer",), customer, "/opp customer <name>", "a customer's deals, totals and history; `new` to add one"
    ),
    Subcommand(("catalog",), catalog_, "/opp catalog [add <name> <price> <CUR> | retire <id>]", "the service catalog"),
    Subcommand(("tasks",), tasks_, "/opp tasks", "your open follow-up tasks"),
    Subcommand(("task",), task, "/opp task <ref> [<YYYY-MM-DD> <title>]", "add a follow-up task", opens_modal=True),
    Subcommand(("billables",), billables_, "/opp billables <ref>", "a deal's billable lines and total"),
    Subcommand(("invoice",), invoice, "/opp invoice <ref>", "invoice a won deal's billables"),
]
