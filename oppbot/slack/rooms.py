"""/opp room's Slack side: make the channel, invite, post and pin the live card. The claim is in services/rooms."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot import i18n
from oppbot.db.base import utcnow
from oppbot.db.session import unit_of_work
from oppbot.services import cards, languages, rooms
from oppbot.slack.cards import deal_card_message
from oppbot.slack.pipeline import Request

NAME_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class RoomOpened:
    number: int
    channel_id: str
    created: bool  # False: the room existed; the reply links to it


def open_room(req: Request, number: int) -> RoomOpened:
    """The claim goes through the request's transaction (recorded as handled with it); the rest follows Slack."""
    deps, client, actor = req.deps, req.client, req.actor
    with req.unit_of_work() as session:
        claim = rooms.claim_room(session, actor, number)
    if claim.channel_id:
        return RoomOpened(number, claim.channel_id, created=False)
    try:
        channel_id, name = _create_channel(client, claim)
    except BaseException:
        with unit_of_work(deps.sessions) as session:
            rooms.release_room(session, actor.team_id, claim.room_id)
        raise
    with unit_of_work(deps.sessions) as session:
        rooms.complete_room(session, actor.team_id, claim.room_id, channel_id, name)
    _invite(client, channel_id, claim.invite)
    with (
        unit_of_work(deps.sessions) as session,
        i18n.use(languages.channel_language(session, actor.team_id, channel_id)),
    ):
        message = deal_card_message(session, actor, number, can_edit=True)  # the room's language: the workspace's
    posted = client.chat_postMessage(channel=channel_id, text=message["text"], blocks=message["blocks"])
    with unit_of_work(deps.sessions) as session:
        cards.remember_card(session, actor, number, channel_id, posted["ts"])  # kept live by the workers
    client.pins_add(channel=channel_id, timestamp=posted["ts"])
    return RoomOpened(number, channel_id, created=True)


def _create_channel(client: WebClient, claim: rooms.RoomClaim) -> tuple[str, str]:
    customer_name = claim.name.removeprefix(f"deal-{claim.number}").strip("-")
    for attempt in range(NAME_ATTEMPTS):
        name = rooms.room_name(claim.number, customer_name, attempt)
        try:
            response = client.conversations_create(name=name)
            return response["channel"]["id"], name
        except SlackApiError as exc:
            if exc.response.get("error") != "name_taken" or attempt == NAME_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _invite(client: WebClient, channel_id: str, users: tuple[str, ...]) -> None:
    if not users:
        return
    try:
        client.conversations_invite(channel=channel_id, users=",".join(users))
    except SlackApiError as exc:
        if exc.response.get("error") not in ("already_in_channel", "cant_invite_self"):
            raise


def archive_room(client: WebClient, sessions, channel_id: str) -> dict:
    """The worker's effect when a deal with a room is won or lost and the workspace archives rooms."""
    try:
        client.conversations_archive(channel=channel_id)
    except SlackApiError as exc:
        if exc.response.get("error") not in ("already_archived", "channel_not_found"):
            raise
    with unit_of_work(sessions) as session:
        rooms.mark_archived(session, channel_id, utcnow())
    return {"archived": channel_id}
