"""Entry module for a `dramatiq` worker subprocess in tests: oppbot's actors, held at a file gate before effects."""

from __future__ import annotations

import os
import time
from pathlib import Path

from integration.workers_support import runtime_for

from oppbot.config import get_settings
from oppbot.db.session import engine_for, session_factory
from workers.broker import BrokerOptions, setup_broker

GATE = Path(os.environ["OPPBOT_TEST_GATE"])


def _gate(event_id: str) -> None:
    (GATE / f"started-{event_id}").touch()
    while not (GATE / "open").exists():
        time.sleep(0.05)


settings = get_settings()
broker = setup_broker(
    settings,
    # A dead worker's unacked jobs return to the queue 2 s after its last heartbeat; every command checks.
    BrokerOptions(
        namespace=os.environ["OPPBOT_TEST_NAMESPACE"], heartbeat_timeout_ms=2_000, maintenance_chance=1_000_000
    ),
    runtime=runtime_for(settings, session_factory(engine_for(settings.database_url)), before_effect=_gate),
)
