"""Fixtures of the review API tests: carol (reviewer) and dave (manager), the draft in review and
published, and token clients of its author, carol and an admin. Each API test module names its
own ``author`` (the engineer) and ``draft`` (a Lightweight one), which these build on."""

import pytest
from rest_framework.test import APIClient

from organizations.roles import Role
from postmortems.models import Postmortem
from postmortems.review import transitions as pm_transitions
from tests.postmortems.review.helpers import api_client, fresh


@pytest.fixture
def carol(member_factory):
    return member_factory(Role.REVIEWER, username="carol")


@pytest.fixture
def dave(member_factory):
    return member_factory(Role.MANAGER, username="dave")


@pytest.fixture
def in_review(draft, author, carol) -> Postmortem:
    pm_transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[carol])
    return fresh(draft)


@pytest.fixture
def published(in_review, carol) -> Postmortem:
    pm_transitions.postmortem_approve(postmortem=in_review, actor=carol)
    return fresh(in_review)


@pytest.fixture
def as_author(org, author) -> APIClient:
    return api_client(org, author)


@pytest.fixture
def as_carol(org, carol) -> APIClient:
    return api_client(org, carol)


@pytest.fixture
def as_admin(org, admin_user) -> APIClient:
    return api_client(org, admin_user)
