"""A signed-in engineer's client for the reading tests."""

import pytest


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client
