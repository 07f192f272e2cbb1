"""Which URLs oppbot may POST a reply to: Slack's own webhook hosts, never whatever a payload names.

A `response_url` arrives in the request body (and, today, inside a modal's private_metadata). Posting a deal card to
any URL found there would let a forged or tampered value make the server send workspace data to any host. Slack's
response URLs live on `hooks.slack.com` (and `hooks.slack-gov.com` for GovSlack), over https. The origin (scheme,
host and port) of `SLACK_API_URL` is allowed as well when it is set to something else than Slack, so a deployment
or a test pointed at another Slack API (the fake Slack in tests) keeps working.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
DEFAULT_API_HOST = "slack.com"


def allowed_origins(slack_api_url: str | None) -> frozenset[tuple[str, str, int]]:
    """(scheme, host, port) triples a reply may go to: Slack's hooks over https, plus SLACK_API_URL's own."""
    origins = {("https", host, 443) for host in SLACK_HOOK_HOSTS}
    api = _origin(slack_api_url or "")
    if api and api[1] != DEFAULT_API_HOST:
        origins.add(api)
    return frozenset(origins)


def is_slack_response_url(url: object, slack_api_url: str | None) -> bool:
    """True only for a URL on Slack's hooks (or SLACK_API_URL's scheme, host and port), without userinfo tricks."""
    if not isinstance(url, str) or not url or len(url) > 2000 or "\\" in url:
        return False
    origin = _origin(url)
    return origin is not None and origin in allowed_origins(slack_api_url)


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname.lower().rstrip("."), port or (443 if parts.scheme == "https" else 80)
