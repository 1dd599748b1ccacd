"""Teams administration: create, rename, delete, add and remove members; another
organization's teams and people do not exist here."""

import pytest
from django_scopes import scope, scopes_disabled

from organizations.models import AuditEntry, Membership, Team, TeamMember
from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemTeam
from tests.factories import MembershipFactory, TeamFactory, TeamMemberFactory, UserFactory

TEAMS = "/o/acme/settings/teams/"


@pytest.fixture
def team(org):
    return TeamFactory(organization=org, name="Payments")


@pytest.fixture
def bob(member_factory):
    return member_factory(Role.ENGINEER, username="bob", first_name="Bob", last_name="Builder")


def on_team(team, user) -> bool:
    return TeamMember.objects.filter(team=team, user=user).exists()


def test_the_teams_page_lists_teams_with_member_counts(client, org, admin_user, team, bob):
    TeamMemberFactory(team=team, user=bob)
    TeamMemberFactory(team=team, user=admin_user)
    TeamFactory(organization=org, name="Mobile")
    TeamFactory(organization=TeamFactory().organization, name="Elsewhere")
    client.force_login(admin_user)
    response = client.get(TEAMS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Payments" in html and "2 members" in html
    assert "Mobile" in html and "No members yet" in html
    assert "Elsewhere" not in html


def test_the_teams_page_runs_a_bounded_number_of_queries(
    client, org, admin_user, member_factory, count_queries
):
    client.force_login(admin_user)

    def populate(n):
        for _ in range(n):
            team = TeamFactory(organization=org)
            for _ in range(3):
                TeamMemberFactory(team=team, user=member_factory())

    def load():
        assert client.get(TEAMS).status_code == 200

    populate(1)
    load()
    small = count_queries(load)
    populate(15)
    assert count_queries(load) == small


def test_the_team_page_runs_a_bounded_number_of_queries(
    client, org, admin_user, team, member_factory, count_queries
):
    client.force_login(admin_user)
    url = f"{TEAMS}{team.pk}/"

    def populate(n):
        for _ in range(n):
            TeamMemberFactory(team=team, user=member_factory())
            member_factory()  # a candidate

    def load():
        assert client.get(url).status_code == 200

    populate(1)
    load()
    small = count_queries(load)
    populate(20)
    assert count_queries(load) == small


# --- Create, rename, delete ----------------------------------------------------------------------


def test_creating_a_team_opens_it_and_is_audited(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(TEAMS, {"name": "  Site   Reliability "})
    team = Team.objects.get(organization=org)
    assert team.name == "Site Reliability"
    assert response["Location"] == f"{TEAMS}{team.pk}/"
    entry = AuditEntry.objects.get(action="team.created")
    assert entry.target == "Site Reliability" and entry.actor == admin_user


@pytest.mark.parametrize(
    ("name", "message"),
    [("payments", "already a team called"), ("", "required"), ("   ", "required")],
)
def test_a_duplicate_or_empty_name_is_refused(client, org, admin_user, team, name, message):
    client.force_login(admin_user)
    response = client.post(TEAMS, {"name": name})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["name"])
    assert Team.objects.filter(organization=org).count() == 1


def test_the_same_name_is_free_in_another_organization(client, org, other_org, admin_user):
    TeamFactory(organization=other_org, name="Payments")
    client.force_login(admin_user)
    assert client.post(TEAMS, {"name": "Payments"}).status_code == 302
    with scopes_disabled():  # both organizations
        assert Team.objects.filter(name="Payments").count() == 2


def test_renaming_a_team(client, org, admin_user, team):
    TeamFactory(organization=org, name="Mobile")
    client.force_login(admin_user)
    refused = client.post(f"{TEAMS}{team.pk}/rename/", {"name": "MOBILE"})
    assert refused.status_code == 400
    assert "already a team called" in refused.content.decode()
    team.refresh_from_db()
    assert team.name == "Payments"
    response = client.post(f"{TEAMS}{team.pk}/rename/", {"name": "Billing"})
    assert response["Location"] == f"{TEAMS}{team.pk}/"
    team.refresh_from_db()
    assert team.name == "Billing"
    assert AuditEntry.objects.get(action="team.renamed").details == {
        "name": ["Payments", "Billing"]
    }


def test_deleting_a_team_keeps_its_members(client, org, admin_user, team, bob):
    TeamMemberFactory(team=team, user=bob)
    with scope(organization=org):
        postmortem = Postmortem.objects.create(organization=org, number=1, title="Outage")
        PostmortemTeam.objects.create(organization=org, postmortem=postmortem, team=team)
    client.force_login(admin_user)
    confirm = " ".join(client.get(f"{TEAMS}{team.pk}/delete/").content.decode().split())
    assert "1</span> member taken off the team" in confirm
    assert "1</span> postmortem shared with the team" in confirm
    assert Team.objects.filter(pk=team.pk).exists()
    response = client.post(f"{TEAMS}{team.pk}/delete/")
    assert response["Location"] == TEAMS
    assert not Team.objects.filter(pk=team.pk).exists()
    assert Membership.objects.filter(user=bob, organization=org).exists()
    entry = AuditEntry.objects.get(action="team.deleted")
    assert entry.target == "Payments" and entry.details == {"members": 1}


# --- Members of a team ---------------------------------------------------------------------------


def test_the_member_picker_offers_only_members_not_on_the_team(
    client, org, other_org, admin_user, team, bob
):
    TeamMemberFactory(team=team, user=admin_user)
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, organization=other_org)
    client.force_login(admin_user)
    choices = dict(client.get(f"{TEAMS}{team.pk}/").context["add_form"].fields["username"].choices)
    assert "bob" in choices
    assert "admin-user" not in choices and "stranger" not in choices


def test_adding_and_removing_a_member(client, org, admin_user, team, bob):
    client.force_login(admin_user)
    response = client.post(f"{TEAMS}{team.pk}/members/", {"username": "bob"})
    assert response["Location"] == f"{TEAMS}{team.pk}/"
    assert on_team(team, bob)
    page = client.get(f"{TEAMS}{team.pk}/").content.decode()
    assert "Bob Builder" in page and "joined Payments" in page
    response = client.post(f"{TEAMS}{team.pk}/members/bob/remove/")
    assert response["Location"] == f"{TEAMS}{team.pk}/"
    assert not on_team(team, bob)
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        "team.member_added",
        "team.member_removed",
    ]
    assert AuditEntry.objects.first().details == {"member": "Bob Builder (@bob)"}


@pytest.mark.parametrize("username", ["stranger", "admin-user", "", "nobody"])
def test_adding_someone_who_cannot_join_is_refused(
    client, org, other_org, admin_user, team, username
):
    TeamMemberFactory(team=team, user=admin_user)
    MembershipFactory(user=UserFactory(username="stranger"), organization=other_org)
    client.force_login(admin_user)
    response = client.post(f"{TEAMS}{team.pk}/members/", {"username": username})
    assert response.status_code == 400
    assert response.context["add_form"].errors["username"]
    assert TeamMember.objects.filter(team=team).count() == 1
    assert not AuditEntry.objects.exists()


def test_removing_someone_not_on_the_team_changes_nothing(client, admin_user, team, bob):
    client.force_login(admin_user)
    response = client.post(f"{TEAMS}{team.pk}/members/bob/remove/", follow=True)
    assert "was not on Payments" in response.content.decode()
    assert not AuditEntry.objects.exists()


# --- Another organization ------------------------------------------------------------------------


def test_another_organizations_team_and_people_answer_404(client, org, other_org, admin_user, team):
    theirs = TeamFactory(organization=other_org, name="Globex team")
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, organization=other_org)
    TeamMemberFactory(team=theirs, user=stranger)
    client.force_login(admin_user)
    before = (
        sorted(Team.objects.values_list("pk", "name")),
        sorted(TeamMember.objects.values_list("pk", flat=True)),
    )
    urls = [
        f"{TEAMS}{theirs.pk}/",
        f"{TEAMS}{theirs.pk}/rename/",
        f"{TEAMS}{theirs.pk}/delete/",
        f"{TEAMS}{theirs.pk}/members/",
        f"{TEAMS}{theirs.pk}/members/stranger/remove/",
        f"{TEAMS}{team.pk}/members/stranger/remove/",
        f"{TEAMS}999999/",
    ]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"name": "Taken", "username": "stranger"})
            assert response.status_code == 404, f"{method} {url}"
            assert b"Globex" not in response.content
    after = (
        sorted(Team.objects.values_list("pk", "name")),
        sorted(TeamMember.objects.values_list("pk", flat=True)),
    )
    assert after == before
