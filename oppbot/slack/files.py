"""Posting files to Slack: files_upload_v2 (files.getUploadURLExternal, the upload, files.completeUploadExternal),
and reading a file a user uploaded (files.info, then its private URL with the bot token)."""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from oppbot.domain.errors import InvalidInput
from oppbot.i18n import _, babel_locale, current

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    data: bytes
    title: str
    alt_txt: str | None = None


def dm_channel(client: WebClient, user_id: str) -> str:
    """The DM with a user as a channel id (files.completeUploadExternal wants a channel, not a user)."""
    return client.conversations_open(users=user_id)["channel"]["id"]


def upload(client: WebClient, channel: str, files: list[Upload], *, comment: str | None = None, thread_ts=None):
    """Share `files` in `channel` in one message; returns Slack's answer."""
    return client.files_upload_v2(
        file_uploads=[
            {
                "content": f.data,
                "filename": f.filename,
                "title": f.title,
                **({"alt_txt": f.alt_txt} if f.alt_txt else {}),
            }
            for f in files
        ],
        channel=channel,
        initial_comment=comment,
        thread_ts=thread_ts,
    )


def post_charts(client: WebClient, channel: str, files: list[Upload], *, comment: str | None = None) -> bool:
    """Charts illustrate a text that was already posted: a failed upload is logged, never raised."""
    if not files:
        return False
    try:
        upload(client, channel, files, comment=comment)
    except Exception:  # the text went out; a chart that can't be uploaded must not turn that into a failure
        log.exception("chart upload to %s failed", channel)
        return False
    return True


MAX_DOWNLOAD = 20 * 1024 * 1024  # a file bigger than this is refused before it is read


def _megabytes(size: int) -> str:
    """A size in MB with one decimal, as the reader writes decimals (`21.5` in English, `21,5` in Norwegian)."""
    if current() == "nb":
        from babel.numbers import format_decimal

        return format_decimal(size / 1e6, format="0.0", locale=babel_locale())
    return f"{size / 1e6:.1f}"


def download(client: WebClient, file_id: str, *, limit: int = MAX_DOWNLOAD) -> tuple[str, bytes]:
    """(name, bytes) of an uploaded file; InvalidInput for a missing or too big one."""
    try:
        info = client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        raise InvalidInput.field(
            "file", _("I couldn't read that file ({error}).", error=exc.response.get("error"))
        ) from None
    size = int(info.get("size") or 0)
    if size > limit:
        raise InvalidInput.field(
            "file",
            _(
                "The file is {size} MB; {limit} MB at most here. Use `oppbot import`.",
                size=_megabytes(size),
                limit=limit // (1024 * 1024),
            ),
        )
    url = info.get("url_private_download") or info.get("url_private")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        data = answer.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput.field(
            "file", _("The file is over {limit} MB. Use `oppbot import`.", limit=limit // (1024 * 1024))
        )
    return info.get("name") or "file.csv", data
