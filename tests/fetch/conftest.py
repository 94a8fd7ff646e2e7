"""Fakes of the vendor APIs serve on the loopback interface only (no test reaches the internet)."""

import pytest


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)
