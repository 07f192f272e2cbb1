"""One request through a WSGI application, as waitress would make it: shared by the OAuth and in-process Slack tests."""

from __future__ import annotations

import io


def call(app, method: str, path: str, *, query: str = "", body: bytes = b"", headers: dict | None = None):
    """One request through the WSGI application, as waitress would make it: (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json" if body.startswith(b"{") else "application/x-www-form-urlencoded",
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured: dict = {}

    def start_response(status, response_headers):
        captured["status"] = int(status.split()[0])
        captured["headers"] = response_headers

    body_out = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body_out
