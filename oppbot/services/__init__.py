"""Use cases. Each takes a session the caller owns (and commits), an Actor, and typed arguments — never a Slack dict."""
