"""Whose language oppbot speaks, and where the choices are kept (issue 14).

What one user sees (ephemeral replies, modals, App Home, DMs): the user's own choice (`/opp language`), else their
Slack locale where it is a supported one (users.info's `locale`, cached with the role in slack_users; or the locale
a payload carries), else the workspace's language (`/opp settings language`), else English.

What a channel sees (cards posted `here`, notifications, digests, alerts, deal-room posts): the language set on the
channel's subscription (`lang nb` on `/opp digest here`, `/opp alerts here`, `/opp notify #channel`), else the
workspace's, else English.

Nothing here calls Slack: a modal opened before any users.info answer uses what is cached, or the workspace's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oppbot import i18n
from oppbot.db.models import NotificationSubscription, ScheduleSubscription, SlackUser, Workspace
from oppbot.domain.errors import InvalidInput
from oppbot.i18n import _, pgettext
from oppbot.services.context import Actor

AUTO = "auto"
# fetched_at of a slack_users row made for a choice before users.info ever answered: never a fresh answer.
NEVER_FETCHED = datetime(1970, 1, 1, tzinfo=UTC)


def name_of(language: str | None) -> str:
    """A language's name in the active language (`Norwegian (Bokmål)`, `norsk (bokmål)`)."""
    if language == "en":
        return pgettext("language", "English")
    if language == "nb":
        return pgettext("language", "Norwegian (Bokmål)")
    return language or ""


@dataclass(frozen=True, slots=True)
class ReaderFacts:
    """What decides one reader's language: their own choice, their Slack locale, their workspace's language."""

    choice: str | None = None
    locale: str | None = None
    workspace: str | None = None

    def language(self, payload_locale: str | None = None) -> str:
        """The reader's language; a locale the payload carries is fresher than the cached one."""
        return for_reader(self.choice, payload_locale or self.locale, self.workspace)


def for_reader(choice: str | None, locale: str | None, workspace: str | None) -> str:
    """The resolution order for what one user sees: their choice, their Slack locale, the workspace's, English.

    An unsupported locale (`fr-FR`) is passed over. An English one says nothing either: Slack has no Norwegian
    display language, so every Norwegian's Slack says `en-US`, and taking it as a choice would leave a workspace set
    to Norwegian speaking English to nearly everyone. A Slack locale oppbot speaks other than English (`nb-NO`)
    counts before the workspace's language; English only where the workspace names none."""
    slack = i18n.normalise(locale)
    return i18n.resolve(choice, slack if slack != i18n.DEFAULT else None, workspace, slack)


def for_channel(channel: str | None, workspace: str | None) -> str:
    """The resolution order for what a channel sees."""
    return i18n.resolve(channel, workspace)


def parse_language(word: str, *, allow_auto: bool = False) -> str | None:
    """`nb`, `norsk`, `en`, `English`, … as one of i18n.LANGUAGES; `auto` (when allowed) as None."""
    text = (word or "").strip()
    if allow_auto and text.lower() == AUTO:
        return None
    language = i18n.normalise(text)
    if language is None:
        shown = text[:20]
        if allow_auto:
            message = _("'{word}' is not a language oppbot speaks. Use nb, en or auto.", word=shown)
        else:
            message = _("'{word}' is not a language oppbot speaks. Use nb or en.", word=shown)
        raise InvalidInput.field("language", message)
    return language


# --- reading ---------------------------------------------------------------------------------------------------------


def reader_facts(session: Session, team_id: str, user_id: str) -> ReaderFacts:
    """One statement: the workspace's language with the user's choice and cached locale (none when unknown)."""
    row = session.execute(
        select(Workspace.language, SlackUser.language, SlackUser.locale)
        .select_from(Workspace)
        .outerjoin(SlackUser, (SlackUser.team_id == Workspace.team_id) & (SlackUser.user_id == user_id))
        .where(Workspace.team_id == team_id)
    ).first()
    if row is None:
        return ReaderFacts()
    return ReaderFacts(choice=row[1], locale=row[2], workspace=row[0])


def workspace_language(session: Session, team_id: str) -> str | None:
    workspace = session.get(Workspace, team_id)
    return workspace.language if workspace is not None else None


def user_languages(session: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
    """Each user's language for a DM or their App Home (one statement for all of them, plus the workspace row)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    workspace = workspace_language(session, team_id)
    rows = session.execute(
        select(SlackUser.user_id, SlackUser.language, SlackUser.locale).where(
            SlackUser.team_id == team_id, SlackUser.user_id.in_(wanted)
        )
    ).all()
    found = {user_id: for_reader(choice, locale, workspace) for user_id, choice, locale in rows}
    return {user_id: found.get(user_id, for_reader(None, None, workspace)) for user_id in wanted}


def user_language(session: Session, team_id: str, user_id: str) -> str:
    return user_languages(session, team_id, [user_id])[user_id]


def channel_languages(session: Session, team_id: str, channel_ids: Iterable[str]) -> dict[str, str]:
    """Each channel's language: its deal-notification subscription's, else its digest's or alerts', else the
    workspace's (two statements for all of them, plus the workspace row)."""
    wanted = sorted(set(channel_ids))
    if not wanted:
        return {}
    workspace = workspace_language(session, team_id)
    chosen: dict[str, str] = {}
    scheduled = session.execute(
        select(ScheduleSubscription.channel_id, ScheduleSubscription.language)
        .where(
            ScheduleSubscription.team_id == team_id,
            ScheduleSubscription.channel_id.in_(wanted),
            ScheduleSubscription.language.is_not(None),
        )
        .order_by(ScheduleSubscription.kind.desc())  # digest before alerts, when a channel set both differently
    ).all()
    notify = session.execute(
        select(NotificationSubscription.channel_id, NotificationSubscription.language).where(
            NotificationSubscription.team_id == team_id,
            NotificationSubscription.channel_id.in_(wanted),
            NotificationSubscription.language.is_not(None),
        )
    ).all()
    for channel_id, language in [*scheduled, *notify]:  # later wins: notify, then digest, then alerts
        chosen[channel_id] = language
    return {channel_id: for_channel(chosen.get(channel_id), workspace) for channel_id in wanted}


def channel_language(session: Session, team_id: str, channel_id: str) -> str:
    return channel_languages(session, team_id, [channel_id])[channel_id]


def scheduled_language(session: Session, team_id: str, channel_id: str, kind: str) -> str:
    """The language of a channel's digest (or alerts) sent on request: that subscription's, else the channel's."""
    own = session.scalar(
        select(ScheduleSubscription.language).where(
            ScheduleSubscription.team_id == team_id,
            ScheduleSubscription.channel_id == channel_id,
            ScheduleSubscription.kind == kind,
        )
    )
    return i18n.resolve(own) if own else channel_language(session, team_id, channel_id)


def subscription_language(session: Session, team_id: str, own: str | None) -> str:
    """The language of one subscription's own posts (a digest, an alerts summary): its own, else the workspace's."""
    return for_channel(own, workspace_language(session, team_id))


# --- a user's own choice ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    before: str | None  # None: auto
    after: str | None
    effective: str  # what the user now reads, after their Slack locale and the workspace's language

    @property
    def changed(self) -> bool:
        return self.before != self.after


def show_user_language(session: Session, actor: Actor) -> LanguageChoice:
    facts = reader_facts(session, actor.team_id, actor.user_id)
    return LanguageChoice(facts.choice, facts.choice, facts.language())


def set_user_language(session: Session, actor: Actor, word: str) -> LanguageChoice:
    """Anyone may choose their own language (`auto`: none of their own). Kept in their slack_users row; a row made
    here counts as never fetched from Slack, so their role is still asked of Slack on their next request."""
    language = parse_language(word, allow_auto=True)
    row = session.get(SlackUser, (actor.team_id, actor.user_id))
    if row is None:
        row = SlackUser(team_id=actor.team_id, user_id=actor.user_id, fetched_at=NEVER_FETCHED)
        session.add(row)
    before = row.language
    if before != language:
        row.language = language
    session.flush()
    effective = for_reader(language, row.locale, workspace_language(session, actor.team_id))
    return LanguageChoice(before, language, effective)
