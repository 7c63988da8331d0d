"""Fixtures for translation: the loopback engine server and an in-memory keyring holding keys."""

from __future__ import annotations

import keyring
import pytest

from tests.publish.conftest import MemoryKeyring
from tests.translate.fake_engines import start_engine_server


@pytest.fixture
def engine_server():
    server, state = start_engine_server()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def keys():
    """An in-memory keyring; ``keys.store`` is what was saved."""
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)
