"""Fixtures of the Linear tests: the Linear stand-in on loopback with its workspace, and a
client of it."""

import pytest

from integrations.trackers.linear import LinearTracker
from tests.integrations.trackers.linear.linear_server import Workspace, serve


@pytest.fixture
def workspace():
    return Workspace()


@pytest.fixture
def linear_api(workspace):
    server = serve(workspace)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def linear(linear_api, workspace):
    return LinearTracker(linear_api.url, token=workspace.key)
