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
    # The production heartbeat and maintenance settings: no relay runs in that test, so only Redis's requeue of the
    # dead worker's reserved jobs can bring them back.
    BrokerOptions(namespace=os.environ["OPPBOT_TEST_NAMESPACE"]),
    runtime=runtime_for(settings, session_factory(engine_for(settings.database_url)), before_effect=_gate),
)
