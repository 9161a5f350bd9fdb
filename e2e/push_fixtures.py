"""Fixtures for the web push browser tests: a server that pushes every second and
a stand-in for the browser's push service to push to.

A test module asks for them with ``pytest_plugins = ["push_fixtures"]`` (the
rest of what those tests share is in ``push_helpers``).  Nothing else imports
this module, so pytest can load it as a plugin, with its asserts rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from console.pushreceiver import Receiver, start_receiver
from push_helpers import PushServer, push_server_copy

if TYPE_CHECKING:
    from conftest import LiveServer


@pytest.fixture
def push_server(live_server: LiveServer, tmp_path: Path) -> Iterator[PushServer]:
    """A copy of the demo warehouse whose server sends pushes every second."""
    with push_server_copy(live_server.db, tmp_path) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The push service the stand-in subscriptions name, on 127.0.0.1."""
    r = start_receiver()
    yield r
    r.close()
