"""Which URLs oppbot may POST a reply to: Slack's own webhook hosts, never whatever a payload names.

A `response_url` arrives in the request body (and, today, inside a modal's private_metadata). Posting a deal card to
any URL found there would let a forged or tampered value make the server send workspace data to any host. Slack's
response URLs live on `hooks.slack.com` (and `hooks.slack-gov.com` for GovSlack); the host of `SLACK_API_URL` is
allowed as well when it is set to something else, so a deployment or a test pointed at another Slack API (the fake
Slack in tests) keeps working.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SLACK_HOOK_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
DEFAULT_API_HOST = "slack.com"


def allowed_hosts(slack_api_url: str | None) -> frozenset[str]:
    hosts = set(SLACK_HOOK_HOSTS)
    api_host = _host(slack_api_url or "")
    if api_host and api_host != DEFAULT_API_HOST:
        hosts.add(api_host)
    return frozenset(hosts)


def is_slack_response_url(url: object, slack_api_url: str | None) -> bool:
    """True only for an http(s) URL whose host is Slack's (or SLACK_API_URL's), without userinfo tricks."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("https", "http") or "@" in parts.netloc or "\\" in url:
        return False
    host = _host(url)
    hosts = allowed_hosts(slack_api_url)
    # Plain http only for the configured (test or proxy) API host; Slack's own hooks are https.
    if parts.scheme == "http" and host in SLACK_HOOK_HOSTS:
        return False
    return host in hosts


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None
