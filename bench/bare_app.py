"""The request-handling baseline: a bare Bolt app that acks /opp and replies a constant, on waitress like oppbot.

Same Bolt settings as oppbot's single-workspace app (token, signing secret, process_before_response=False,
listener thread pool) and the
same WSGI server and thread count, so the difference measured is oppbot's own work.

    SLACK_API_URL=... SLACK_SIGNING_SECRET=... python -m bench.bare_app --port 3100 --threads 16
"""

from __future__ import annotations

import argparse
import os

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from oppbot.slack.app import listener_executor

REPLY = {"response_type": "ephemeral", "text": "ok"}


def build(api_url: str, token: str, secret: str) -> App:
    app = App(
        token=token,
        signing_secret=secret,
        client=WebClient(token=token, base_url=api_url, timeout=10),
        oauth_settings=None,
        process_before_response=False,
        listener_executor=listener_executor(),
    )  # the same listener thread pool as oppbot's

    @app.command("/opp")
    def opp(ack, respond) -> None:
        ack()
        respond(**REPLY)

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    app = build(
        os.environ["SLACK_API_URL"], os.environ.get("SLACK_BOT_TOKEN", "xoxb-test"), os.environ["SLACK_SIGNING_SECRET"]
    )
    handler = SlackRequestHandler(app, path="/slack/events")

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return handler(environ, start_response)

    waitress.serve(application, host=args.host, port=args.port, threads=args.threads, ident="bare")


if __name__ == "__main__":
    main()
