"""Fixtures for translation: the loopback engine server, an in-process engine double."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.translate import fake_engines


@pytest.fixture
def engine_server():
    server, state = fake_engines.start_engine_server()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def fake_engine() -> type[fake_engines.FakeEngine]:
    """``fake_engine(markup=True, drop_elements=False)``: an in-process engine that translates
    as the loopback server does and records the texts it was sent (``seen``)."""
    return fake_engines.FakeEngine


@pytest.fixture(scope="session")
def fake_translate() -> Callable[..., str]:
    """``fake_translate(text, drop_elements=False)``: the servers' stand-in translation (every
    ASCII word becomes 译WORD)."""
    return fake_engines.fake_translate
