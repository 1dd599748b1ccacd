"""Members administration: who may reach it, the members page, and removing a member."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm

from organizations.models import (
    ApiToken,
    AuditEntry,
    Invitation,
    Membership,
    Team,
    TeamMember,
)
from organizations.roles import Role
from organizations.services import api_token_create, hash_token
from postmortems.models import Postmortem, PostmortemUserObjectPermission
from postmortems.permissions import EDIT_PERMISSION, REVIEW_PERMISSION
from tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory, UserFactory
from tests.organizations.helpers import MEMBERS, role_of


def snapshot() -> tuple:
    """Everything the administration pages may change, in every organization."""
    with scopes_disabled():
        return (
            sorted(Membership.objects.values_list("pk", "role")),
            sorted(Invitation.objects.values_list("pk", "revoked_at", "accepted_at")),
            sorted(Team.objects.values_list("pk", "name")),
            TeamMember.objects.count(),
            AuditEntry.objects.count(),
        )


def make_invitation(organization, email="someone@example.com", **fields) -> Invitation:
    defaults = {
        "role": Role.ENGINEER,
        "token_hash": hash_token(f"{organization.slug}-{email}-{Invitation.objects.count()}"),
        "expires_at": timezone.now() + timedelta(days=7),
    }
    return Invitation.objects.create(organization=organization, email=email, **defaults | fields)


@pytest.fixture
def objects(org, target):
    team = TeamFactory(organization=org, name="Payments")
    TeamMemberFactory(team=team, user=target)
    return {"team": team, "invitation": make_invitation(org)}


def admin_routes(objects) -> list[tuple[str, str, dict]]:
    """Every members, invitations and teams administration endpoint: (method, url, data)."""
    team, invitation = objects["team"].pk, objects["invitation"].pk
    return [
        ("get", MEMBERS, {}),
        ("post", f"{MEMBERS}invite/", {"email": "new@example.com", "role": "VIEWER", "days": 7}),
        ("post", f"{MEMBERS}target/role/", {"role": "ADMIN"}),
        ("get", f"{MEMBERS}target/remove/", {}),
        ("post", f"{MEMBERS}target/remove/", {}),
        ("post", f"/o/acme/settings/invitations/{invitation}/revoke/", {}),
        ("post", f"/o/acme/settings/invitations/{invitation}/resend/", {}),
        ("get", "/o/acme/settings/teams/", {}),
        ("post", "/o/acme/settings/teams/", {"name": "New team"}),
        ("get", f"/o/acme/settings/teams/{team}/", {}),
        ("post", f"/o/acme/settings/teams/{team}/rename/", {"name": "Renamed"}),
        ("get", f"/o/acme/settings/teams/{team}/delete/", {}),
        ("post", f"/o/acme/settings/teams/{team}/delete/", {}),
        ("post", f"/o/acme/settings/teams/{team}/members/", {"username": "target"}),
        ("post", f"/o/acme/settings/teams/{team}/members/target/remove/", {}),
    ]


# --- Who may reach the administration ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REVIEWER, Role.ENGINEER, Role.VIEWER])
def test_members_below_admin_get_403_everywhere_and_change_nothing(
    client, member_factory, objects, admin_user, role
):
    client.force_login(member_factory(role, username=f"a-{role.lower()}"))
    before = snapshot()
    for method, url, data in admin_routes(objects):
        for headers in ({}, {"HX-Request": "true"}):
            response = getattr(client, method)(url, data, headers=headers)
            assert response.status_code == 403, f"{method} {url} as {role}"
    assert snapshot() == before


def test_non_members_get_404_everywhere_and_change_nothing(client, other_org, objects, admin_user):
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, organization=other_org, role=Role.ADMIN)
    client.force_login(outsider)
    before = snapshot()
    for method, url, data in admin_routes(objects):
        assert getattr(client, method)(url, data).status_code == 404, f"{method} {url}"
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_log_in(client, objects):
    for method, url, data in admin_routes(objects):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_admin_reaches_every_page(client, admin_user, objects):
    client.force_login(admin_user)
    for method, url, _ in admin_routes(objects):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_another_organizations_member_and_invitation_answer_404(client, admin_user, other_org, org):
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, organization=other_org, role=Role.ENGINEER)
    foreign_invitation = make_invitation(other_org, email="x@globex.com")
    client.force_login(admin_user)
    before = snapshot()
    for method in ("get", "post"):
        for url in (
            f"{MEMBERS}stranger/role/",
            f"{MEMBERS}stranger/remove/",
            f"{MEMBERS}nobody-at-all/remove/",
            f"/o/acme/settings/invitations/{foreign_invitation.pk}/revoke/",
            f"/o/acme/settings/invitations/{foreign_invitation.pk}/resend/",
        ):
            response = getattr(client, method)(url, {"role": "ADMIN"})
            assert response.status_code == 404, f"{method} {url}"
            assert b"Globex" not in response.content
    assert snapshot() == before
    assert role_of(stranger, other_org) == Role.ENGINEER


def test_the_members_directory_offers_admins_the_administration(client, admin_user, engineer):
    client.force_login(admin_user)
    assert b'href="/o/acme/settings/members/"' in client.get("/o/acme/members/").content
    client.force_login(engineer)
    assert b"Manage members" not in client.get("/o/acme/members/").content


# --- The members page ----------------------------------------------------------------------------


def test_members_page_lists_roles_teams_and_last_activity(client, org, admin_user, target):
    seen = UserFactory(username="seen", first_name="Sam", last_name="Seen")
    seen.last_login = timezone.now() - timedelta(days=3, hours=2)
    seen.save()
    MembershipFactory(user=seen, organization=org, role=Role.REVIEWER)
    TeamMemberFactory(team=TeamFactory(organization=org, name="Payments"), user=target)
    make_invitation(org, email="pending@example.com", role=Role.MANAGER, invited_by=admin_user)
    client.force_login(admin_user)
    response = client.get(MEMBERS)
    assert response.status_code == 200
    page = response.content.decode().replace("\xa0", " ")
    rows = {m.user.username: m for m in response.context["rows"]}
    assert rows["seen"].last_active.replace("\xa0", " ") == "3 days ago"
    assert "3 days ago" in page
    assert "Never" in page  # target never logged in
    assert "Payments" in page
    assert "Sam Seen" in page and "@target" in page and "target" in page
    assert "pending@example.com" in page
    assert "in 7 days" in page
    # highest role first
    assert list(rows) == ["admin-user", "seen", "target"]


def test_members_search_and_pagination(client, org, admin_user, member_factory):
    for n in range(55):
        member_factory(Role.VIEWER, username=f"person{n:02d}", first_name="Pat", last_name=f"N{n}")
    member_factory(Role.ENGINEER, username="zed", first_name="Zed", email="zed@zeta.io")
    client.force_login(admin_user)
    first = client.get(MEMBERS)
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.num_pages == 2
    second = client.get(MEMBERS, {"page": 2})
    assert len(second.context["rows"]) == 7
    found = client.get(MEMBERS, {"q": "zeta.io"})
    assert [m.user.username for m in found.context["rows"]] == ["zed"]
    fragment = client.get(MEMBERS, {"q": "zed"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content
    assert b'id="member-results"' in fragment.content and b"@zed" in fragment.content
    empty = client.get(MEMBERS, {"q": "nobody"})
    assert "No member matches" in empty.content.decode()


def test_members_page_runs_a_bounded_number_of_queries(
    client, org, admin_user, member_factory, count_queries
):
    client.force_login(admin_user)

    def populate(n):
        team = TeamFactory(organization=org)
        for _ in range(n):
            user = member_factory(Role.ENGINEER)
            TeamMemberFactory(team=team, user=user)
            make_invitation(org, email=f"{user.username}@invite.example", invited_by=admin_user)

    def load():
        assert client.get(MEMBERS).status_code == 200

    populate(2)
    load()
    small = count_queries(load)
    populate(30)
    assert count_queries(load) == small


# --- Removing a member ---------------------------------------------------------------------------


@pytest.fixture
def rights(org, other_org, target):
    """The target's rights: here (two postmortems, a team, a token) and in another org."""
    with scope(organization=org):
        drafts = [
            Postmortem.objects.create(organization=org, number=n, title=f"Outage {n}")
            for n in (1, 2)
        ]
    assign_perm(EDIT_PERMISSION, target, drafts[0])
    assign_perm(REVIEW_PERMISSION, target, drafts[1])
    assign_perm(EDIT_PERMISSION, target, drafts[1])
    TeamMemberFactory(team=TeamFactory(organization=org, name="Payments"), user=target)
    api_token_create(organization=org, user=target, name="CI")
    MembershipFactory(user=target, organization=other_org, role=Role.ENGINEER)
    with scope(organization=other_org):
        elsewhere = Postmortem.objects.create(organization=other_org, number=1, title="Theirs")
    assign_perm(EDIT_PERMISSION, target, elsewhere)
    TeamMemberFactory(team=TeamFactory(organization=other_org, name="Globex team"), user=target)
    api_token_create(organization=other_org, user=target, name="Globex CI")
    return {"drafts": drafts, "elsewhere": elsewhere}


def test_the_confirmation_names_what_will_be_revoked(client, admin_user, rights):
    client.force_login(admin_user)
    response = client.get(f"{MEMBERS}target/remove/")
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    assert "their editor/reviewer rights on 2 postmortems" in html
    assert "1</span> team membership" in html
    assert "1</span> API token " in html
    with scopes_disabled():  # the target is a member of both organizations
        assert Membership.objects.filter(user__username="target").count() == 2  # GET: no change


def test_removal_revokes_every_right_in_the_organization_at_once(
    client, org, other_org, admin_user, target, rights
):
    client.force_login(admin_user)
    response = client.post(f"{MEMBERS}target/remove/")
    assert response.status_code == 302 and response["Location"] == MEMBERS
    assert role_of(target, org) is None
    checker = ObjectPermissionChecker(target)
    for draft in rights["drafts"]:
        assert checker.get_perms(draft) == []
    assert not PostmortemUserObjectPermission.objects.filter(
        user=target, content_object__organization=org
    ).exists()
    assert not TeamMember.objects.filter(organization=org, user=target).exists()
    assert not ApiToken.objects.filter(organization=org, user=target).exists()
    # The other organization is untouched.
    assert role_of(target, other_org) == Role.ENGINEER
    assert ObjectPermissionChecker(target).has_perm(EDIT_PERMISSION, rights["elsewhere"])
    with scope(organization=other_org):
        assert TeamMember.objects.filter(organization=other_org, user=target).exists()
        assert ApiToken.objects.filter(organization=other_org, user=target).exists()
    entry = AuditEntry.objects.get(action="member.removed")
    assert entry.details == {"role": "ENGINEER", "postmortems": 2, "teams": 1, "tokens": 1}
    assert "was removed" in client.get(MEMBERS).content.decode()


def test_a_removed_members_token_no_longer_works(client, org, admin_user, target):
    _, plain = api_token_create(organization=org, user=target, name="CI")
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/incidents", headers=headers).status_code == 200
    client.force_login(admin_user)
    client.post(f"{MEMBERS}target/remove/")
    client.logout()
    assert client.get("/api/v1/incidents", headers=headers).status_code == 401
