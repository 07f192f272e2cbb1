"""oppbot's logging setup: one line per record, which no logged value can break or forge.

A message is escaped as it is formatted (a newline becomes the two characters `\\n`, other control characters
`\\xNN`), so text from a request can never start a line of its own that looks like `ERROR oppbot.security: …`.
Tracebacks keep their lines but each continuation line is prefixed with `| `: a record always starts with a
timestamp, a traceback line never does.

Bolt's request-verification logger writes the whole body of a refused request at INFO; the front door
(oppbot.slack.front_door) refuses those before Bolt sees them and logs one short line itself, so that logger is
kept to warnings and above.
"""

from __future__ import annotations

import logging
import re

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that may print request bodies or user text below WARNING.
QUIET = ("slack_bolt.RequestVerification",)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]")


def escape_line(text: str) -> str:
    """`text` on one line: `\\` doubled, newlines and other control characters written as escapes."""
    return _CONTROL.sub(_escaped, text.replace("\\", "\\\\"))


def _escaped(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or f"\\x{ord(char):02x}"


class OneLineFormatter(logging.Formatter):
    """Formats the message escaped; exception and stack text indented under it with `| `."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        saved = record.message
        record.message = escape_line(saved)
        try:
            return super().formatMessage(record)
        finally:
            record.message = saved

    def formatException(self, ei) -> str:
        return _indent(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indent(super().formatStack(stack_info))


def _indent(text: str) -> str:
    return "\n".join("| " + escape_line(line) for line in text.splitlines())


class BelowWarningDropped(logging.Filter):
    """Drops INFO and DEBUG records of the QUIET loggers, whatever level Bolt copied onto them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(QUIET)


def configure_logging(verbose: bool = False) -> None:
    """The root handler for every oppbot process (the CLI calls this once, first)."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(BelowWarningDropped())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
