"""A signed-in engineer's client and another engineer who writes, for the search tests."""

import pytest

from organizations.roles import Role


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client


@pytest.fixture
def author(member_factory):
    return member_factory(Role.ENGINEER, username="writer", first_name="Wendy", last_name="Writer")
