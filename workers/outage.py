"""A lost dependency (Redis, the database) reported the way a person can read: one warning per back-off step while it
is down, one line when it is back; never a traceback per tick."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

FIRST_STEP = 1.0
LONGEST_STEP = 300.0


def short(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return first if len(first) <= 160 else first[:157] + "…"


class Outage:
    """Call failed(exc) on every failure and ok() on every success, from any thread.

    While down, a warning is logged at the first failure and then only once each back-off step has passed (1 s, 2 s,
    4 s … 5 min): a scheduler ticking every 30 s, a relay retrying every few seconds and a watch thread pinging all
    report the same outage without repeating it. The first success after an outage logs how long it lasted.
    """

    def __init__(
        self,
        what: str,
        logger: logging.Logger,
        *,
        first_step: float = FIRST_STEP,
        longest_step: float = LONGEST_STEP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what = what
        self.logger = logger
        self.first_step = first_step
        self.longest_step = longest_step
        self.clock = clock
        self._lock = threading.Lock()
        self.down_since: float | None = None
        self.step = first_step
        self._next_warning = 0.0
        self.warnings = 0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def failed(self, exc: BaseException) -> float:
        """Record a failure; returns the current back-off step, in seconds, for callers that wait before retrying."""
        step = self.report_due()
        if step is not None:
            self.logger.warning(
                "%s is unavailable (%s); retrying, next report in %.0f s if still down", self.what, short(exc), step
            )
        return step or self.step

    def report_due(self) -> float | None:
        """Record a failure without logging; the back-off step when this one is to be reported, else None."""
        now = self.clock()
        with self._lock:
            if self.down_since is None:
                self.down_since, self.step, self._next_warning = now, self.first_step, now
            if now < self._next_warning:
                return None
            self.warnings += 1
            self._next_warning = now + self.step
            step, self.step = self.step, min(self.longest_step, self.step * 2)
            return step

    def ok(self) -> None:
        if self.down_since is None:  # the common case: no lock, nothing to say
            return
        now = self.clock()
        with self._lock:
            if self.down_since is None:
                return
            self.logger.warning("%s is back after %.0f s", self.what, now - self.down_since)
            self.down_since, self.step, self.warnings = None, self.first_step, 0


class OnlyAtBackoffSteps(logging.Filter):
    """For a library that logs the same connection error on every retry (Dramatiq's consumer: an error and a
    "Restarting consumer" line every 3 s per queue): lets the error through only at back-off steps, saying how many
    were held back, and the restart line only after an error that was let through."""

    def __init__(self, error_marker: str, follow_up_marker: str, outage: Outage) -> None:
        super().__init__()
        self.error_marker = error_marker
        self.follow_up_marker = follow_up_marker
        self.outage = outage
        self.held = 0
        self._last_passed = True

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.follow_up_marker in message:
            return self._last_passed
        if self.error_marker not in message:
            return True
        self._last_passed = self.outage.report_due() is not None
        if not self._last_passed:
            self.held += 1
        elif self.held:
            record.msg, record.args = f"{message} ({self.held} more like it since the last report)", None
            self.held = 0
        return self._last_passed
