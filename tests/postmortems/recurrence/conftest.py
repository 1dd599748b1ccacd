"""The recurrence tests' organization (``helpers.build_world``)."""

import pytest

from tests.postmortems.recurrence.helpers import World, build_world


@pytest.fixture
def world(org, member_factory) -> World:
    return build_world(org, member_factory)
