"""The one error handler: every failure of a listener lands here and is told on the surface the request came from.

- a repeated delivery (once.Repeated): nothing, or an empty ack that closes the form;
- a modal submission not yet acked: `response_action: errors` beside the field the refusal is about;
- a command, a click on a message: an ephemeral reply; a click in a modal or on App Home: the view or a DM;
- a Conflict on a deal's card: the card as it is now, with the reason on top.

Once the request's change has committed, a later failure says the change was saved and what could not be shown;
"nothing was changed" is said only where nothing was.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext, BoltResponse
from slack_sdk.errors import SlackApiError

from oppbot.domain.errors import Conflict, InvalidInput, OppbotError
from oppbot.i18n import N_, _
from oppbot.services import once
from oppbot.slack import view_state
from oppbot.slack.pipeline import CONTEXT_KEY, Request
from oppbot.slack.text import error_text, escape

log = logging.getLogger(__name__)

# Shown with _() when told: these are evaluated at import, before any reader's language is active.
NOTHING_CHANGED = N_("Sorry, something went wrong on our side; nothing was changed. Please try again.")
SLACK_REFUSED = N_("Slack didn't accept that in time (the form may have expired). Please try again.")


def saved_but_then(error: str) -> str:
    """The change committed, then something refused: each "saved, but…" is one whole sentence for translators."""
    return _("Your change was saved, but then: {error}. Run the command again to see where things stand.", error=error)


def handle(req: Request, error: Exception) -> None:
    """After the ack: log what was unexpected and tell the user on the request's surface."""
    if isinstance(error, once.Repeated):
        log.info("A repeated %s was acknowledged and not run again", req.kind)
        return
    if not isinstance(error, OppbotError):
        log.error("Error in a listener", exc_info=error)
    try:
        tell(req, error)
    except Exception:  # telling must not hide the original error
        log.warning("Could not tell the user about the error", exc_info=True)


def submission_answer(req: Request, error: Exception) -> dict:
    """Before a submission's ack: the ack's arguments. A repeat closes the form; a refusal shows beside its field."""
    if isinstance(error, once.Repeated):
        log.info("A repeated submission was acknowledged and not run again")
        return {}
    if not isinstance(error, OppbotError):
        log.error("Error in a submission", exc_info=error)
    return {"response_action": "errors", "errors": form_errors(req, error)}


def on_error(error: Exception, context: BoltContext, response: BoltResponse | None = None) -> BoltResponse | None:
    """Bolt's error handler, for what escapes the pipeline's adapters (they call handle() themselves, because Bolt
    can lose an ack when a listener raises right after acking)."""
    req: Request | None = context.get(CONTEXT_KEY)
    if req is None:
        log.error("Error outside the pipeline", exc_info=error)
        return None
    with req.speaking():
        if req.kind == "view_submission" and response is not None:
            return BoltResponse(status=200, body=submission_answer(req, error))
        handle(req, error)
    return None


def message_for(req: Request, error: Exception) -> str:
    """The sentence for the user, true to what happened."""
    if isinstance(error, InvalidInput):
        usage = "\n" + _("Usage: `{usage}`", usage=_(req.usage)) if req.usage else ""
        return escape(error_text(error)) + usage
    if isinstance(error, OppbotError):
        return error_text(error) if not req.saved else saved_but_then(error_text(error))
    if isinstance(error, SlackApiError):
        if not req.saved:
            return _(SLACK_REFUSED)
        problem = error.response.get("error", _("an error"))
        return _(
            "Your change was saved, but Slack refused to show the result ({problem}). Run the command again to see "
            "where things stand.",
            problem=problem,
        )
    if req.saved:
        return _(
            "Your change was saved, but I couldn't show the result because of an error on our side. Run the command "
            "again to see where things stand."
        )
    return _(NOTHING_CHANGED)


def form_errors(req: Request, error: Exception) -> dict[str, str]:
    """{block_id: message} for a refused submission: each field's problem beside it, the rest on the best field."""
    blocks = view_state.input_block_ids(req.view)
    if isinstance(error, InvalidInput):
        return view_state.errors_for(error.errors, blocks)
    if not isinstance(error, OppbotError):
        return view_state.errors_for({"": _(NOTHING_CHANGED)}, blocks)
    # The error names its field; a form maps field names it calls otherwise (req.refusal_field) or takes the first.
    where = error.field if error.field in blocks else req.refusal_field(error)
    text = error_text(error)
    return view_state.errors_for({where or "": text}, blocks)


def tell(req: Request, error: Exception) -> None:
    on_a_card = req.deal_number is not None and req.kind == "block_actions"
    if isinstance(error, Conflict) and on_a_card and show_card_as_it_is(req, error):
        return
    text = message_for(req, error)
    if req.kind == "view_submission":
        from oppbot.slack.listeners.views.replies import tell_user

        tell_user(req.client, req.unresolved, req.meta_channel, text)
    elif req.kind == "event_callback":
        return
    elif req.kind == "command":
        req.respond(text=text, response_type="ephemeral")
    else:
        req.respond(text=text, response_type="ephemeral", replace_original=False)


def show_card_as_it_is(req: Request, error: Conflict) -> bool:
    """A click on an old card: the card as the deal is now, the reason on top (False when it can't be shown)."""
    from oppbot.slack.listeners.commands.deals import card_reply

    try:
        reply = card_reply(req, req.deal_number, f":warning: {error_text(error)}", actor=req.unresolved)
    except OppbotError:
        return False
    req.respond(text=reply.text, blocks=reply.blocks, replace_original=True, response_type="ephemeral")
    return True
