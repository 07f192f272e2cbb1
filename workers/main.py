"""The module `dramatiq` imports in each worker process (`python -m dramatiq workers.main`).

Setting the broker when imported is this module's whole job, as Dramatiq's CLI expects; nothing else imports it.
"""

import logging

from oppbot.config import cached_settings
from workers.broker import setup_broker
from workers.outage import OnlyAtBackoffSteps, Outage

broker = setup_broker(cached_settings())

# Redis lost: Dramatiq's consumer logs an error and a restart line every 3 s per queue; keep them to one per back-off
# step (the parent `oppbot worker` watches Redis too and says when it is back).
_consumer_log = logging.getLogger("dramatiq.worker.ConsumerThread")
_consumer_log.addFilter(
    OnlyAtBackoffSteps(
        "Consumer encountered a connection error",
        "Restarting consumer",
        Outage("Redis (worker process)", _consumer_log),
    )
)
