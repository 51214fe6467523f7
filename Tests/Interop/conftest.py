"""pytest fixtures: a `kura serve` shared by the session, and a fresh one per test."""
import pytest

from kura_server import KuraServer


@pytest.fixture(scope="session")
def kura():
    server = KuraServer().start()
    assert server.registry_password, "the first start prints the default registry's admin password"
    yield server
    assert server.stop() == 0
    server.cleanup()


@pytest.fixture
def fresh_kura():
    server = KuraServer().start()
    yield server
    server.cleanup()
