"""Fixtures of the action-item tests: Ann's logged-in client; Ann's postmortem in review and
two engineers for the reminders; for the tracker a manager (the reminder tests name another), a
second engineer and the ``world`` of postmortems and items they look at; for the API tests
the organization's today, a SEV3 draft and an admin of the other organization."""

from datetime import timedelta

import pytest

from actionitems.models import ItemStatus
from organizations.roles import Role
from organizations.selectors import today_in
from postmortems.models import Postmortem, Visibility
from tests.actionitems.helpers import incident, item, set_due
from tests.factories import MembershipFactory, UserFactory
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import submitted


@pytest.fixture
def ann(client, author):
    client.force_login(author)
    return client


@pytest.fixture
def pm(draft, author, reviewer):
    """Ann's postmortem, in review (so no draft reminder joins the items' digests)."""
    return submitted(draft, author, reviewer)


@pytest.fixture
def bob(member_factory):
    return member_factory(Role.ENGINEER, username="bob", first_name="Bob", last_name="Byrne")


@pytest.fixture
def cat(member_factory):
    return member_factory(Role.ENGINEER, username="cat", first_name="Cat", last_name="Cole")


@pytest.fixture
def manager(member_factory):
    return member_factory(Role.MANAGER, username="mia", first_name="Mia", last_name="Manager")


@pytest.fixture
def ben(member_factory):
    return member_factory(Role.ENGINEER, username="ben", first_name="Ben", last_name="Builder")


@pytest.fixture
def world(org, templates, author, ben, manager):
    """Ann's SEV1 draft and SEV3 draft (checkout), Ben's private SEV2 draft, and items on them
    due at different times, owned by Ann, Ben, or nobody."""
    today = today_in(org)
    sev1 = make_postmortem(org, author, incident(org, author, severity="SEV1"))
    sev3 = make_postmortem(
        org, author, incident(org, author, severity="SEV3", services=["checkout"])
    )
    private = make_postmortem(org, ben, incident(org, ben, severity="SEV2"))
    Postmortem.objects.filter(pk=private.pk).update(visibility=Visibility.PRIVATE)
    items = {
        "sev1_late": item(
            sev1,
            author,
            "Page on checkout 5xx",
            owner=author,
            priority="HIGH",
            due_date=today + timedelta(days=1),
        ),
        "sev1_soon": item(
            sev1,
            author,
            "Runbook for the failover",
            owner=ben,
            priority="CRITICAL",
            due_date=today + timedelta(days=3),
        ),
        "sev1_undated": item(sev1, author, "Canary stage for the deploys", priority="MEDIUM"),
        "sev3_later": item(
            sev3,
            author,
            "Load-test checkout at 3x",
            owner=ben,
            priority="LOW",
            due_date=today + timedelta(days=40),
        ),
        "sev3_done": item(
            sev3,
            author,
            "Cap the pool at 80",
            owner=author,
            priority="MEDIUM",
            due_date=today + timedelta(days=2),
            status=ItemStatus.COMPLETED,
        ),
        "private": item(
            private,
            ben,
            "Rotate the secret",
            owner=ben,
            priority="HIGH",
            due_date=today + timedelta(days=5),
        ),
    }
    set_due(items["sev1_late"], today - timedelta(days=4))
    for value in items.values():
        value.refresh_from_db()
    return items


@pytest.fixture
def today(org):
    return today_in(org)


@pytest.fixture
def sev3(org, templates, author):
    """A Lightweight SEV3 draft by ann: one action-items section, ``action-items``."""
    return make_postmortem(org, author, make_incident(org, commander=author, severity="SEV3"))


@pytest.fixture
def outsider(other_org):
    user = UserFactory(username="otto")
    MembershipFactory(user=user, organization=other_org, role=Role.ADMIN)
    return user
