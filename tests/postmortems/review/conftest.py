"""Fixtures of the review tests only (the people and draft every app's tests use are in
``tests/review_fixtures.py``)."""

import pytest

from organizations.roles import Role


@pytest.fixture
def second_reviewer(member_factory):
    return member_factory(
        Role.MANAGER, username="max", first_name="Max", last_name="Moss", email="max@example.com"
    )
