"""The one way a Slack request goes: Bolt's middleware builds a Request, a handler from a table gets it.

    Bolt (signature, timestamp) → pipeline middleware: once key, team and user from Bolt's context, verified
    private_metadata → listener adapter (ack first, or after a submission is saved) → handler(request)
    → request.unit_of_work() (claims the once key in the change's own transaction) → reply on the surface it came
    from; any error → oppbot.slack.error_handler.

Each adapter runs its handler (and the error handler) inside `request.speaking()`: the reader's language is the
active one (oppbot.i18n), worked out on the first text said, in the thread Bolt runs the listener in.

Handlers are module-level functions taking a Request; `Request.for_test` builds one without Bolt.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from oppbot import i18n
from oppbot.db.session import open_session, unit_of_work
from oppbot.domain.errors import OppbotError
from oppbot.i18n import N_, _
from oppbot.services import languages, once
from oppbot.services.context import Actor
from oppbot.services.languages import ReaderFacts
from oppbot.slack import metadata
from oppbot.slack.deps import Deps
from oppbot.slack.metadata import TamperedMetadata, ViewMeta

log = logging.getLogger(__name__)
CONTEXT_KEY = "oppbot_request"


class ForeignForm(OppbotError):
    # Raised by the middleware, before the reader's language is active: the sentence is translated when shown.
    def __init__(self) -> None:
        super().__init__(N_("This form belongs to another workspace."))

    def render(self, user=lambda user_id: user_id) -> str:
        return _(self.template)


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def once_key(kind: str, team_id: str | None, user_id: str | None, body: dict, raw_body: str) -> str | None:
    """What makes this delivery the same as an earlier one, from what Slack gives; None when repeats are harmless.

    A command's body holds its trigger_id, unique per invocation, so its hash tells a resend (proxy, client retry,
    a replayed signed request) from the user running it again. A submission is its view's id with its values: a
    second identical submit of one form is a repeat; a corrected one after an error is not (nothing was claimed).
    """
    if kind == "event_callback" and body.get("event_id"):
        return _digest("event", team_id, body["event_id"])
    if kind == "block_actions":
        action = (body.get("actions") or [{}])[0]
        if isinstance(action, dict) and action.get("action_ts"):
            return _digest("action", team_id, user_id, action["action_ts"], action.get("action_id"))
        return None
    if kind == "view_submission":
        view = body.get("view") or {}
        values = json.dumps((view.get("state") or {}).get("values"), sort_keys=True)
        return _digest("view", team_id, user_id, view.get("id"), values)
    if kind == "command":
        return _digest("command", team_id, raw_body)
    return None


def _kind(body: dict) -> str:
    if "command" in body and "type" not in body:
        return "command"
    return str(body.get("type") or "")


class Request:
    """One request as every handler sees it: who (lazily resolved), where, its verified metadata, its transaction."""

    def __init__(
        self,
        deps: Deps,
        client: WebClient,
        body: dict,
        *,
        team_id: str,
        user_id: str,
        channel_id: str | None = None,
        kind: str = "",
        respond: Callable[..., Any] | None = None,
        once_key: str | None = None,
        meta: ViewMeta | None = None,
        meta_error: OppbotError | None = None,
    ) -> None:
        self.deps, self.client, self.body = deps, client, body
        self.team_id, self.user_id, self.channel_id, self.kind = team_id, user_id, channel_id, kind
        self.bolt_respond = respond
        self.once_key = once_key
        self._meta, self._meta_error = meta or ViewMeta(), meta_error
        self._claimed = False
        self._reader: ReaderFacts | None = None  # what decides the reader's language, when the actor's reads told it
        self.saved = False  # a change of this request committed: an error after it must not say "nothing changed"
        self.name = ""  # a command's subcommand as typed, lower-cased ("move")
        self.args = ""  # the rest of a command's text, stripped
        self.usage: str | None = None  # a command's usage line, shown after a parse error
        self.deal_number: int | None = None  # the deal a click is about: a Conflict shows its card as it is now
        self.refusal_field: Callable[[OppbotError], str | None] = lambda exc: None  # a form's field for a refusal
        self.ack_with: dict[str, Any] = {}  # a submission's ack (e.g. response_action update); empty closes the form

    # --- built by the middleware, or by a test -------------------------------------------------------------------

    @classmethod
    def from_bolt(cls, deps: Deps, context: BoltContext, body: dict, raw_body: str) -> Request:
        kind = _kind(body)
        team_id, user_id = context.team_id or "", context.user_id or ""
        meta, meta_error = ViewMeta(), None
        view = body.get("view")
        if isinstance(view, dict) and view.get("type") == "modal":
            try:
                meta = metadata.decode(view.get("private_metadata"), required=kind == "view_submission")
                if meta.team_id and meta.team_id != team_id:
                    raise ForeignForm()
            except OppbotError as exc:
                meta, meta_error = ViewMeta(), exc
        return cls(
            deps,
            context.client,
            body,
            team_id=team_id,
            user_id=user_id,
            channel_id=context.channel_id or (body.get("container") or {}).get("channel_id"),
            kind=kind,
            respond=context.get("respond"),
            once_key=once_key(kind, team_id, user_id, body, raw_body),
            meta=meta,
            meta_error=meta_error,
        )

    @classmethod
    def for_test(cls, deps: Deps, client: WebClient, body: dict | None = None, **kw) -> Request:
        """A Request for calling a handler directly (the client pointed at the fake Slack)."""
        kw.setdefault("team_id", "T111")
        kw.setdefault("user_id", "U111")
        return cls(deps, client, body or {}, **kw)

    # --- who ---------------------------------------------------------------------------------------------------------

    @cached_property
    def actor(self) -> Actor:
        """The user with their role (users.info, cached). Never before views.open: use `unresolved` there."""
        from oppbot.slack.roles import resolve_reader

        actor, self._reader = resolve_reader(self.deps, self.client, self.team_id, self.user_id)
        return actor

    @cached_property
    def language(self) -> str:
        """The reader's language (oppbot.services.languages): their choice, else their Slack locale (the payload's,
        else the cached users.info), else the workspace's. Never a Slack call, so it is safe before views.open; free
        once `actor` was resolved, else one read."""
        if self._reader is None:
            self._reader = self._read_facts()
        return self._reader.language(self.payload_locale)

    def _read_facts(self) -> ReaderFacts:
        # Asked mid-transaction (the first text said inside a unit of work), the read joins it: a session of its
        # own would wait on SQLite for the write lock this very thread holds.
        joined = open_session()
        if joined is not None:
            return languages.reader_facts(joined, self.team_id, self.user_id)
        with self.deps.sessions() as session:
            return languages.reader_facts(session, self.team_id, self.user_id)

    @property
    def reader(self) -> ReaderFacts:
        """What decided `language`: the user's choice, their cached Slack locale, the workspace's language."""
        self.language  # noqa: B018 -- resolving it is the point
        assert self._reader is not None
        return self._reader

    @property
    def payload_locale(self) -> str | None:
        """The locale Slack put in the payload itself (`user.locale`), where it does."""
        user = self.body.get("user")
        locale = user.get("locale") if isinstance(user, dict) else None
        return locale if isinstance(locale, str) else None

    def speaking(self):
        """The block in which every `_()` speaks the reader's language, worked out on the first one."""
        return i18n.use(lambda: self.language)

    @property
    def unresolved(self) -> Actor:
        # Modal openers: no users.info before views.open (the trigger_id dies after 3 s); the submit re-checks.
        return Actor(self.team_id, self.user_id)

    # --- what came with it ---------------------------------------------------------------------------------------

    @property
    def meta(self) -> ViewMeta:
        """The view's verified private_metadata; a tampered or foreign one raises (a clear refusal)."""
        if self._meta_error is not None:
            raise self._meta_error
        return self._meta

    @property
    def meta_channel(self) -> str | None:
        """The channel a form came from, for telling the user something even when its metadata was refused."""
        return self._meta.channel_id

    @property
    def action(self) -> dict:
        actions = self.body.get("actions") or [{}]
        return actions[0] if isinstance(actions[0], dict) else {}

    @property
    def view(self) -> dict:
        view = self.body.get("view")
        return view if isinstance(view, dict) else {}

    @property
    def trigger_id(self) -> str:
        return self.body.get("trigger_id") or ""

    @property
    def in_modal(self) -> bool:
        """A click from inside a modal: it carries the view and no response_url to answer through."""
        return self.view.get("type") == "modal" and not self.body.get("response_url")

    @cached_property
    def respond(self) -> Callable[..., Any]:
        """Bolt's respond where there is a response_url; for clicks in a modal or on Home, the view or a DM."""
        from oppbot.slack.listeners.surfaces import responder

        return responder(self.body, self.client, self.bolt_respond, self.deps.replies)

    # --- its one transaction -------------------------------------------------------------------------------------

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A transaction; the first one that changes something also records the request as handled (once.Repeated
        if it already was), so the record and the change commit together. A request that only reads records nothing
        (a repeat just answers again).

        The key is written last, just before the commit: a lookup the handler makes inside (the actor's role) runs
        before this transaction holds SQLite's write lock, and a repeat's whole change rolls back with it.
        """
        with unit_of_work(self.deps.sessions) as session:
            _watch_writes(session)
            yield session
            session.flush()
            wrote = session.info.pop("wrote", False)
            if wrote and self.once_key and not self._claimed:
                once.claim(session, self.once_key, self.team_id, self.kind)
        if wrote:  # committed: the change (and the record of this request with it)
            self.saved = self._claimed = True

    def record_handled(self) -> None:
        """Record the request as handled now, in a transaction of its own (an event: Bolt acks it before it runs)."""
        if self.once_key and not self._claimed:
            with unit_of_work(self.deps.sessions) as session:
                once.claim(session, self.once_key, self.team_id, self.kind)
            self._claimed = True


def _mark_flush(session: Session, _flush_context) -> None:
    session.info["wrote"] = True


def _mark_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def _watch_writes(session: Session) -> None:
    session.info.pop("wrote", None)
    if not session.info.get("watched"):
        event.listen(session, "after_flush", _mark_flush)
        event.listen(session, "do_orm_execute", _mark_dml)
        session.info["watched"] = True


# --- Bolt middleware and listener adapters ---------------------------------------------------------------------------


def middleware(deps: Deps):
    """Global middleware: the Request in context; a repeated event stops here with a plain 200 (Slack's ack)."""

    def oppbot_pipeline(context: BoltContext, body: dict, request: BoltRequest, next: Callable[[], None]):
        if not isinstance(body, dict):
            return BoltResponse(status=400, body="")
        req = Request.from_bolt(deps, context, body, request.raw_body or json.dumps(body, sort_keys=True))
        context[CONTEXT_KEY] = req
        if req.kind == "event_callback" and req.once_key:
            try:
                req.record_handled()
            except once.Repeated:
                log.info("event %s delivered again; already handled", body.get("event_id"))
                return BoltResponse(status=200, body="")
        return next()

    return oppbot_pipeline


def request_of(context: BoltContext) -> Request:
    return context[CONTEXT_KEY]


def ack_first(handler: Callable[[Request], None]):
    """Commands, clicks and shortcuts: ack at once (Slack allows 3 s), then the handler; errors to the one handler."""
    from oppbot.slack.error_handler import handle

    def listener(ack, context: BoltContext) -> None:
        ack()
        req = request_of(context)
        with req.speaking():
            try:
                handler(req)
            except Exception as exc:
                handle(req, exc)

    listener.__name__ = listener.__qualname__ = handler.__name__
    return listener


def ack_after(handler: Callable[[Request], Callable[[], None] | None]):
    """Modal submissions: verify the metadata and save before the ack, so a refusal shows beside its field; what
    the handler returns runs after the ack (confirmations, card refreshes)."""
    from oppbot.slack.error_handler import handle, submission_answer

    def listener(ack, context: BoltContext) -> None:
        req = request_of(context)
        with req.speaking():
            try:
                req.meta  # noqa: B018 -- verifying it is the point: a tampered form is refused before anything runs
                after = handler(req)
            except Exception as exc:
                ack(**submission_answer(req, exc))
                return
            ack(**req.ack_with)
            if after is not None:
                try:
                    after()
                except Exception as exc:
                    handle(req, exc)

    listener.__name__ = listener.__qualname__ = handler.__name__
    return listener


def answer(handler: Callable[[Request], dict]):
    """Option pickers: the handler's dict is the ack (no options when it fails)."""

    def listener(ack, context: BoltContext) -> None:
        req = request_of(context)
        with req.speaking():
            try:
                result = handler(req)
            except Exception:
                log.exception("Options failed")
                result = {"options": []}
        ack(**result)

    listener.__name__ = listener.__qualname__ = handler.__name__
    return listener


def on_event(handler: Callable[[Request], None]):
    """Events: Bolt has acked already; the middleware has recorded the delivery."""
    from oppbot.slack.error_handler import handle

    def listener(context: BoltContext) -> None:
        req = request_of(context)
        with req.speaking():
            try:
                handler(req)
            except Exception as exc:
                handle(req, exc)

    listener.__name__ = listener.__qualname__ = handler.__name__
    return listener


__all__ = [
    "Request",
    "TamperedMetadata",
    "ack_after",
    "ack_first",
    "answer",
    "middleware",
    "on_event",
    "once_key",
]
