"""People and a draft shared by the review-workflow tests: ann (engineer, author), rita
(reviewer) and max (manager, a second reviewer), and ann's Comprehensive SEV1 draft."""

import pytest

from organizations.roles import Role
from postmortems import services
from tests.postmortems.editor.helpers import make_incident, make_postmortem


@pytest.fixture
def templates(org):
    return services.templates_install_builtins(organization=org)


@pytest.fixture
def author(member_factory):
    return member_factory(
        Role.ENGINEER, username="ann", first_name="Ann", last_name="Author", email="ann@example.com"
    )


@pytest.fixture
def reviewer(member_factory):
    return member_factory(
        Role.REVIEWER,
        username="rita",
        first_name="Rita",
        last_name="Reed",
        email="rita@example.com",
    )


@pytest.fixture
def second_reviewer(member_factory):
    return member_factory(
        Role.MANAGER, username="max", first_name="Max", last_name="Moss", email="max@example.com"
    )


@pytest.fixture
def draft(org, templates, author):
    """A Comprehensive draft (sections such as ``root-cause`` and ``timeline``) by ``ann``."""
    return make_postmortem(org, author, make_incident(org, commander=author))
