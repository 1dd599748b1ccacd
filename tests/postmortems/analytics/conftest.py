"""The analytics tests' organization: a small world whose every number is computed by hand in
``helpers.build_world``."""

import pytest

from tests.postmortems.analytics.helpers import World, build_world


@pytest.fixture
def world(org, member_factory) -> World:
    return build_world(org, member_factory)
