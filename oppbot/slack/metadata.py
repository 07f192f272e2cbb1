"""A modal's private_metadata: one typed model, signed with a server key, versioned and size-checked.

Slack hands private_metadata back on every submission and click inside the view. Slack does not let users edit it,
but the server does not depend on that: the JSON is signed (HMAC-SHA256) and a view whose metadata does not verify
is refused before anything reads it, so a forged response_url, channel, ts or deal number never reaches a call.

The key is OPPBOT_METADATA_KEY (several keys separated by commas: the first signs, all verify, which is how a key is
rotated without breaking open forms); without it a key is derived from SLACK_SIGNING_SECRET.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import asdict, dataclass, replace

from oppbot.domain.errors import OppbotError
from oppbot.i18n import N_, _

log = logging.getLogger(__name__)

VERSION = "1"
METADATA_MAX = 3000  # Slack's limit on private_metadata
_SIG_BYTES = 16


class TamperedMetadata(OppbotError):
    """private_metadata that does not verify: changed, too old a format, or signed with a key no longer held."""

    def __init__(self) -> None:
        super().__init__(
            N_("This form's data could not be verified, so nothing was saved. Close it and open it again.")
        )

    def render(self, user=lambda user_id: user_id) -> str:
        # Raised while the request is being built, before the reader's language is active: translated when shown.
        return _(self.template)


@dataclass(frozen=True, slots=True)
class ViewMeta:
    """Everything a view carries between opening and submission. Ids only, never user text."""

    team_id: str | None = None  # the workspace the view was opened in: a submission from another is refused
    number: int | None = None  # the deal
    version: int | None = None  # the deal's version when the form was filled: a stale submit is a Conflict
    channel_id: str | None = None  # where to answer the user (ephemeral), else a DM
    ts: str | None = None  # a shared card to refresh: only used when it is one of the deal's recorded messages
    response_url: str | None = None  # the ephemeral card the form was opened from
    view_id: str | None = None  # the modal the form was pushed over (a card opened from App Home)
    pushed: bool = False  # a customer form pushed over a deal form
    service_id: int | None = None  # the catalog service being edited
    custom: bool = False  # a billable line typed by hand rather than picked from the catalog
    customer: str | None = None  # the customer being edited ("organization:3")
    billable_id: int | None = None  # the billable line being edited
    file_id: str | None = None  # the CSV file an import previewed
    map_name: str | None = None  # the import's column map

    def with_(self, **changes) -> ViewMeta:
        return replace(self, **changes)


_SHORT = {
    "team_id": "t",
    "number": "n",
    "version": "v",
    "channel_id": "c",
    "ts": "ts",
    "response_url": "r",
    "view_id": "vid",
    "pushed": "p",
    "service_id": "s",
    "custom": "cu",
    "customer": "k",
    "billable_id": "b",
    "file_id": "f",
    "map_name": "m",
}
_LONG = {short: name for name, short in _SHORT.items()}


class _Keys:
    """The signing keys of this process: set by build_app from the settings; random until then (tests, tools)."""

    keys: tuple[bytes, ...] = (secrets.token_bytes(32),)


def configure(metadata_key: str | None, signing_secret: str | None) -> None:
    if metadata_key:
        _Keys.keys = tuple(k.strip().encode() for k in metadata_key.split(",") if k.strip())
    elif signing_secret:
        _Keys.keys = (hmac.new(signing_secret.encode(), b"oppbot private_metadata", hashlib.sha256).digest(),)
    else:
        log.warning("Neither OPPBOT_METADATA_KEY nor SLACK_SIGNING_SECRET is set: modals only work in this process")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, f"{VERSION}.{payload}".encode(), hashlib.sha256).digest()[:_SIG_BYTES])


def encode(meta: ViewMeta) -> str:
    """'1.<base64 JSON>.<signature>'; ValueError when it would not fit Slack's 3,000 characters."""
    data = {_SHORT[k]: v for k, v in asdict(meta).items() if v not in (None, False)}
    payload = _b64(json.dumps(data, separators=(",", ":")).encode())
    encoded = f"{VERSION}.{payload}.{_sign(payload, _Keys.keys[0])}"
    if len(encoded) > METADATA_MAX:
        raise ValueError(f"private_metadata is {len(encoded)} characters; Slack allows {METADATA_MAX}")
    return encoded


def decode(raw: str | None, *, required: bool = False) -> ViewMeta:
    """The verified model; empty metadata is an empty model unless `required`. TamperedMetadata otherwise."""
    if not raw:
        if required:
            raise TamperedMetadata()
        return ViewMeta()
    if not isinstance(raw, str) or len(raw) > METADATA_MAX:
        raise TamperedMetadata()
    version, _sep, rest = raw.partition(".")
    payload, _sep, signature = rest.partition(".")
    if version != VERSION or not any(hmac.compare_digest(signature, _sign(payload, k)) for k in _Keys.keys):
        raise TamperedMetadata()
    try:
        data = json.loads(_unb64(payload))
    except ValueError:
        raise TamperedMetadata() from None
    if not isinstance(data, dict):
        raise TamperedMetadata()
    return ViewMeta(**{_LONG[k]: v for k, v in data.items() if k in _LONG})
