"""The module `dramatiq` imports in each worker process (`python -m dramatiq workers.main`).

Setting the broker when imported is this module's whole job, as Dramatiq's CLI expects; nothing else imports it.
"""

from oppbot.config import cached_settings
from workers.broker import setup_broker

broker = setup_broker(cached_settings())
