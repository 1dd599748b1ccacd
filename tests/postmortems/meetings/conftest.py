"""The people of a review meeting and ann's draft with them on it, for the meeting tests."""

import pytest
from django_scopes import scope

from incidents.models import IncidentParticipant
from organizations.roles import Role
from postmortems.review import people as services_people


@pytest.fixture
def participant(member_factory):
    return member_factory(Role.ENGINEER, username="pia", first_name="Pia", last_name="Part")


@pytest.fixture
def editor(member_factory):
    return member_factory(Role.ENGINEER, username="ed", first_name="Ed", last_name="Itor")


@pytest.fixture
def bystander(member_factory):
    return member_factory(Role.ENGINEER, username="bys", first_name="By", last_name="Stander")


@pytest.fixture
def postmortem(org, draft, author, reviewer, participant, editor):
    """ann's draft with pia on the incident, ed invited to edit and rita assigned to review."""
    IncidentParticipant.objects.create(organization=org, incident=draft.incident, user=participant)
    with scope(organization=org):
        services_people.editor_invite(postmortem=draft, actor=author, user=editor)
        services_people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
    return draft
