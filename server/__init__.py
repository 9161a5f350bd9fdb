"""The shelfsync server: a Starlette app over the ``sync`` ledger.

``create_app(settings)`` builds the ASGI app; ``Settings.from_env()`` reads
the settings; ``Store`` is the open database.
"""

from __future__ import annotations

from server.app import create_app, rules_from_settings
from server.database import Store
from server.settings import SETTINGS_HELP, Settings

__all__ = ["create_app", "rules_from_settings", "Store", "Settings", "SETTINGS_HELP"]
