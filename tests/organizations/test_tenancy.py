import pytest
from django_scopes import ScopeError, scope, scopes_disabled

from organizations import selectors
from organizations.models import Membership, Team
from organizations.roles import Role
from organizations.scoping import no_scope
from tests.factories import MembershipFactory, TeamFactory


@pytest.fixture
def bob(member_factory, other_org):
    return member_factory(Role.ENGINEER, username="bob")


def test_member_sees_the_dashboard(client, bob, org):
    client.force_login(bob)
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 200
    assert b"Acme Corporation" in response.content


@pytest.mark.parametrize("slug", ["globex", "does-not-exist"])
def test_non_member_gets_the_same_404_whether_or_not_the_organization_exists(client, bob, slug):
    client.force_login(bob)
    response = client.get(f"/o/{slug}/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"Globex" not in response.content


def test_anonymous_visitor_is_sent_to_login(client, org):
    response = client.get(f"/o/{org.slug}/members/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/o/{org.slug}/members/"


def test_expired_session_htmx_request_gets_hx_redirect_not_a_login_fragment(client, org):
    response = client.get(f"/o/{org.slug}/members/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next=/o/{org.slug}/members/"
    assert response.content == b""


def test_htmx_404_is_a_fragment_retargeted_to_the_messages(client, bob):
    client.force_login(bob)
    response = client.get("/o/globex/", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response["HX-Retarget"] == "#messages"
    assert b"<html" not in response.content
    assert b"Page not found" in response.content


def test_scoped_manager_fails_closed_without_a_scope(org):
    with no_scope(), pytest.raises(ScopeError):
        list(Team.objects.all())


def test_scoped_manager_only_sees_the_active_organization(org, other_org):
    TeamFactory(organization=org, name="Ours")
    TeamFactory(organization=other_org, name="Theirs")
    with scope(organization=org):
        assert [t.name for t in Team.objects.all()] == ["Ours"]


def test_member_list_of_one_organization_never_includes_another(org, other_org):
    MembershipFactory(organization=org)
    stranger = MembershipFactory(organization=other_org)
    with scope(organization=org):
        members = selectors.member_list(organization=org)
    assert stranger.user not in [m.user for m in members]


def test_user_can_belong_to_several_organizations_with_different_roles(bob, other_org):
    MembershipFactory(user=bob, organization=other_org, role=Role.ADMIN)
    roles = {m.organization.slug: m.role for m in selectors.memberships_for_user(bob)}
    assert roles == {"acme": Role.ENGINEER, "globex": Role.ADMIN}


def test_membership_is_unique_per_user_and_organization(bob, org):
    from django.db import IntegrityError

    with scopes_disabled(), pytest.raises(IntegrityError):
        Membership.objects.create(user=bob, organization=org, role=Role.ADMIN)


def test_page_renders_times_in_the_organizations_time_zone(client, bob, org):
    """23:30 UTC on Jan 1 is already Jan 2 in Paris (the organization's zone)."""
    from datetime import UTC, datetime

    Membership.objects.filter(user=bob).update(created_at=datetime(2026, 1, 1, 23, 30, tzinfo=UTC))
    client.force_login(bob)
    response = client.get(f"/o/{org.slug}/members/")
    assert b"Jan 2, 2026" in response.content
    assert b"Jan 1, 2026" not in response.content
