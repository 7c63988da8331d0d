"""Fixtures for translation: the loopback engine server."""

from __future__ import annotations

import pytest

from tests.translate.fake_engines import start_engine_server


@pytest.fixture
def engine_server():
    server, state = start_engine_server()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()
