"""The root-cause category: set from the editor by those who may edit, recorded in history."""

import pytest
from django.urls import reverse
from django_scopes import scope

from organizations.roles import Role
from postmortems import creation
from postmortems.models import Postmortem, Revision
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def postmortem(org, engineer):
    with scope(organization=org):
        return creation.postmortem_create(organization=org, actor=engineer, title="Queue stall")


def url(postmortem):
    return reverse(
        "postmortem_root_cause",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )


def test_the_author_sets_it_and_history_says_so(client, postmortem, engineer):
    client.force_login(engineer)
    response = client.post(url(postmortem), {"category": "CAPACITY"})
    assert response.status_code == 302
    postmortem.refresh_from_db()
    assert postmortem.root_cause_category == "CAPACITY"
    assert Revision.objects.filter(
        postmortem=postmortem, summary="Root-cause category: Capacity"
    ).exists()
    page = client.get(
        reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": postmortem.number})
    )
    assert "Capacity" in page.content.decode()


def test_htmx_answers_the_panel_and_reloads_the_checklist(client, postmortem, engineer):
    client.force_login(engineer)
    response = client.post(url(postmortem), {"category": "PROCESS_GAP"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "guidance:changed"
    assert 'value="PROCESS_GAP" selected' in response.content.decode()


def test_setting_it_does_not_stale_an_open_editor(client, postmortem, engineer):
    client.force_login(engineer)
    version = postmortem.version
    client.post(url(postmortem), {"category": "DESIGN_FLAW"})
    assert Postmortem.objects.get(pk=postmortem.pk).version == version


def test_an_unknown_category_is_refused_with_a_message(client, postmortem, engineer):
    client.force_login(engineer)
    response = client.post(url(postmortem), {"category": "HUMAN_ERROR"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Choose one of the listed" in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.root_cause_category == ""


def test_it_can_be_cleared(client, postmortem, engineer):
    client.force_login(engineer)
    client.post(url(postmortem), {"category": "CAPACITY"})
    client.post(url(postmortem), {"category": ""})
    postmortem.refresh_from_db()
    assert postmortem.root_cause_category == ""


@pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER, Role.MANAGER])
def test_members_who_may_not_edit_get_403(client, org, postmortem, member_factory, role):
    client.force_login(member_factory(role))
    assert client.post(url(postmortem), {"category": "CAPACITY"}).status_code == 403
    postmortem.refresh_from_db()
    assert postmortem.root_cause_category == ""


def test_another_organization_gets_404(client, other_org, postmortem):
    outsider = UserFactory()
    MembershipFactory(user=outsider, organization=other_org, role=Role.ADMIN)
    client.force_login(outsider)
    assert client.post(url(postmortem), {"category": "CAPACITY"}).status_code == 404


def test_get_is_not_allowed(client, postmortem, engineer):
    client.force_login(engineer)
    assert client.get(url(postmortem)).status_code == 405
