import pytest
from django.core.cache import cache
from django_scopes import scope

from organizations.models import Membership, Organization
from organizations.roles import Role
from tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory, UserFactory


def test_home_lists_only_my_organizations(client, engineer, other_org):
    MembershipFactory(organization=other_org)
    client.force_login(engineer)
    response = client.get("/")
    assert b"Acme Corporation" in response.content
    assert b"Globex" not in response.content


def test_home_without_organizations_invites_me_to_create_one(client, db):
    client.force_login(UserFactory())
    response = client.get("/")
    assert b"You are not in an organization yet" in response.content
    assert b'href="/organizations/new/"' in response.content


def test_creating_an_organization_makes_me_its_admin(client, engineer):
    client.force_login(engineer)
    response = client.post(
        "/organizations/new/", {"name": "Initech", "slug": "", "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/initech/"
    organization = Organization.objects.get(slug="initech")
    assert organization.time_zone == "Europe/Berlin"
    with scope(organization=organization):  # not org's: a new organization
        assert Membership.objects.get(organization=organization, user=engineer).role == Role.ADMIN
    assert b"Initech is ready" in client.get("/o/initech/").content


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "time_zone": "UTC"}, "name", "This field is required."),
        ({"name": "Acme", "slug": "acme", "time_zone": "UTC"}, "slug", "already taken"),
        ({"name": "Admin", "time_zone": "UTC"}, "slug", "reserved"),
        ({"name": "X", "slug": "not a slug!", "time_zone": "UTC"}, "slug", "valid"),
        ({"name": "X", "time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
        ({"name": "???", "time_zone": "UTC"}, "slug", "Choose an address"),
    ],
)
def test_invalid_organization_form_answers_with_field_messages(
    client, engineer, data, field, message
):
    client.force_login(engineer)
    count = Organization.objects.count()
    response = client.post("/organizations/new/", data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert Organization.objects.count() == count


def test_switcher_lists_every_organization_of_mine(client, engineer, other_org):
    MembershipFactory(user=engineer, organization=other_org, role=Role.VIEWER)
    client.force_login(engineer)
    content = client.get("/o/acme/").content.decode()
    assert 'href="/o/acme/"' in content and 'href="/o/globex/"' in content


def test_members_page_shows_roles_and_teams(client, engineer, org):
    team = TeamFactory(organization=org, name="Payments")
    TeamMemberFactory(team=team, user=engineer)
    client.force_login(engineer)
    content = client.get("/o/acme/members/").content.decode()
    assert "@engineer" in content
    assert "Payments" in content
    assert "badge--role-engineer" in content


def _populate(org, members: int, teams: int) -> None:
    for _ in range(teams):
        team = TeamFactory(organization=org)
        for _ in range(2):
            TeamMemberFactory(team=team)
    for _ in range(members):
        MembershipFactory(organization=org)


@pytest.mark.parametrize("page", ["/o/acme/", "/o/acme/members/", "/"])
def test_pages_run_a_bounded_number_of_queries(client, engineer, org, page, count_queries):
    client.force_login(engineer)
    _populate(org, members=2, teams=1)
    cache.clear()  # the dashboard caches its overdue counts: count a miss each time
    small = count_queries(lambda: client.get(page))
    _populate(org, members=40, teams=12)
    cache.clear()
    large = count_queries(lambda: client.get(page))
    assert large == small
    assert large <= 14
