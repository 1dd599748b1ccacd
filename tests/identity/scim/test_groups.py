"""SCIM Groups are the organization's teams; a mapped group also gives its members a role."""

import pytest

from identity.models import GroupRoleMapping, IdentityProvider
from organizations.models import AuditEntry, Membership, Team, TeamMember
from organizations.roles import Role
from tests.identity.scim.conftest import GROUP_SCHEMA, is_scim_error, okta_user


@pytest.fixture
def people(scim) -> list[str]:
    return [scim.post("Users", okta_user(f"p{n}@acme.test")).json()["id"] for n in range(3)]


def members_of(team_name: str) -> set[str]:
    return set(
        TeamMember.objects.filter(team__name=team_name).values_list("user__email", flat=True)
    )


def test_create_a_group_with_members(scim, org, people):
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": "SRE",
        "members": [{"value": people[0]}, {"value": people[1]}],
    }
    response = scim.post("Groups", body)
    assert response.status_code == 201, response.content
    group = response.json()
    assert group["displayName"] == "SRE"
    assert {m["value"] for m in group["members"]} == {people[0], people[1]}
    assert members_of("SRE") == {"p0@acme.test", "p1@acme.test"}
    assert AuditEntry.objects.get(action="team.created").actor_name.startswith("SCIM (")
    user = scim.get(f"Users/{people[0]}").json()
    assert [g["display"] for g in user["groups"]] == ["SRE"]


def test_okta_patches_members_and_name(scim, people):
    group_id = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "SRE"}).json()["id"]
    add = {
        "op": "add",
        "path": "members",
        "value": [{"value": people[0], "display": "p0"}, {"value": people[2]}],
    }
    assert scim.patch(f"Groups/{group_id}", add).status_code == 200
    assert members_of("SRE") == {"p0@acme.test", "p2@acme.test"}
    remove = {"op": "remove", "path": f'members[value eq "{people[0]}"]'}
    assert scim.patch(f"Groups/{group_id}", remove).status_code == 200
    assert members_of("SRE") == {"p2@acme.test"}
    rename = {"op": "replace", "value": {"id": group_id, "displayName": "Platform"}}
    response = scim.patch(f"Groups/{group_id}", rename)
    assert response.json()["displayName"] == "Platform"
    assert Team.objects.filter(name="Platform").exists()


def test_entra_patches_members_and_name(scim, people):
    group_id = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "SRE"}).json()["id"]
    scim.patch(
        f"Groups/{group_id}", {"op": "Add", "path": "members", "value": [{"value": people[1]}]}
    )
    assert members_of("SRE") == {"p1@acme.test"}
    scim.patch(
        f"Groups/{group_id}", {"op": "Remove", "path": "members", "value": [{"value": people[1]}]}
    )
    assert members_of("SRE") == set()
    scim.patch(f"Groups/{group_id}", {"op": "Replace", "path": "displayName", "value": "Ops"})
    found = scim.get("Groups", filter='displayName eq "Ops"', excludedAttributes="members").json()
    assert [g["id"] for g in found["Resources"]] == [group_id]
    assert "members" not in found["Resources"][0]


def test_put_replaces_the_members_and_delete_removes_the_team(scim, org, people, member_factory):
    group_id = scim.post(
        "Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "SRE", "members": [{"value": people[0]}]},
    ).json()["id"]
    by_hand = member_factory(Role.ENGINEER, username="hand", email="hand@acme.test")
    TeamMember.objects.create(organization=org, team=Team.objects.get(name="SRE"), user=by_hand)
    body = {"schemas": [GROUP_SCHEMA], "displayName": "SRE", "members": [{"value": people[2]}]}
    assert scim.put(f"Groups/{group_id}", body).status_code == 200
    assert members_of("SRE") == {"p2@acme.test", "hand@acme.test"}  # never provisioned: kept
    assert scim.delete(f"Groups/{group_id}").status_code == 204
    assert not Team.objects.filter(name="SRE").exists()
    assert is_scim_error(scim.get(f"Groups/{group_id}"), 404)


def test_a_duplicate_name_is_a_409_and_an_unknown_member_a_400(scim, people):
    scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "SRE"})
    assert is_scim_error(
        scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "sre"}), 409
    )
    response = scim.post(
        "Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "DBA", "members": [{"value": "999999"}]},
    )
    assert is_scim_error(response, 400)
    assert "999999" in response.json()["detail"]
    assert not Team.objects.filter(name="DBA").exists()
    too_long = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "x" * 81})
    assert is_scim_error(too_long, 400)
    assert "displayName" in too_long.json()["detail"]


@pytest.fixture
def mapping(org):
    provider = IdentityProvider.objects.create(
        organization=org, protocol="OIDC", name="Okta", default_role=Role.ENGINEER
    )
    GroupRoleMapping.objects.create(
        organization=org, provider=provider, group="Managers", role=Role.MANAGER
    )
    return provider


def test_a_mapped_group_sets_the_role(scim, org, people, mapping):
    group_id = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Managers"}).json()[
        "id"
    ]
    scim.patch(
        f"Groups/{group_id}", {"op": "add", "path": "members", "value": [{"value": people[0]}]}
    )
    membership = Membership.objects.get(organization=org, user__email="p0@acme.test")
    assert membership.role == Role.MANAGER
    entry = AuditEntry.objects.get(action="scim.role_changed")
    assert entry.details["role"] == [Role.ENGINEER, Role.MANAGER]
    assert entry.actor_name.startswith("SCIM (")
    scim.patch(f"Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{people[0]}"]'})
    membership.refresh_from_db()
    assert membership.role == Role.ENGINEER


def test_a_mapped_group_cannot_demote_the_last_admin(scim, org, admin_user, mapping):
    admin_user.email = "root@acme.test"
    admin_user.save()
    admin_id = scim.post("Users", okta_user("root@acme.test")).json()["id"]
    group_id = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Managers"}).json()[
        "id"
    ]
    response = scim.patch(
        f"Groups/{group_id}", {"op": "add", "path": "members", "value": [{"value": admin_id}]}
    )
    assert is_scim_error(response, 409)
    assert Membership.objects.get(organization=org, user=admin_user).role == Role.ADMIN
    assert members_of("Managers") == set()
