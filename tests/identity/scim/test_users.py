"""SCIM Users: create, read, list and filter, update (RFC 7644; Okta's and Entra ID's requests)."""

import pytest
from django.contrib.auth import get_user_model

from identity.models import IdentityProvider, ScimUser
from organizations.models import AuditEntry, Membership
from organizations.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.identity.scim.conftest import USER_SCHEMA, entra_user, is_scim_error, okta_user

User = get_user_model()


def test_okta_creates_a_new_person_with_a_membership(scim, org):
    response = scim.post("Users", okta_user("ada@acme.test"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["userName"] == "ada@acme.test"
    assert body["active"] is True
    assert body["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert body["emails"][0]["value"] == "ada@acme.test"
    assert body["name"]["givenName"] == "Ada"
    assert response["Location"].endswith(f"/scim/v2/Users/{body['id']}")
    user = User.objects.get(email="ada@acme.test")
    assert not user.has_usable_password()
    assert Membership.objects.get(organization=org, user=user).role == Role.ENGINEER
    entry = AuditEntry.objects.get(action="scim.member_provisioned")
    assert entry.actor is None and entry.actor_name.startswith("SCIM (hs_scim_")


def test_an_existing_account_with_the_email_is_linked(scim, org):
    existing = UserFactory(username="grace", email="Grace@acme.test")
    response = scim.post("Users", entra_user("grace@acme.test"))
    assert response.status_code == 201, response.content
    assert ScimUser.objects.get(pk=response.json()["id"]).user == existing
    assert User.objects.filter(email__iexact="grace@acme.test").count() == 1
    assert Membership.objects.filter(organization=org, user=existing).exists()


def test_the_providers_default_role_is_given(scim, org):
    IdentityProvider.objects.create(
        organization=org, protocol="OIDC", name="Okta", default_role=Role.VIEWER
    )
    response = scim.post("Users", okta_user("lin@acme.test"))
    user = ScimUser.objects.get(pk=response.json()["id"]).user
    assert Membership.objects.get(organization=org, user=user).role == Role.VIEWER


def test_a_taken_user_name_is_a_409(scim):
    scim.post("Users", okta_user("ada@acme.test"))
    response = scim.post("Users", okta_user("ADA@acme.test", email="other@acme.test"))
    assert is_scim_error(response, 409)
    assert response.json()["scimType"] == "uniqueness"


def test_get_one_and_a_paginated_list(scim):
    ids = [scim.post("Users", okta_user(f"u{n}@acme.test")).json()["id"] for n in range(3)]
    one = scim.get(f"Users/{ids[1]}")
    assert one.status_code == 200
    assert one.json()["userName"] == "u1@acme.test"
    page = scim.get("Users", startIndex=2, count=1).json()
    assert page["totalResults"] == 3
    assert page["itemsPerPage"] == 1
    assert page["startIndex"] == 2
    assert [user["id"] for user in page["Resources"]] == [ids[1]]


def test_filter_by_user_name_as_okta_and_entra_send_it(scim):
    scim.post("Users", okta_user("ada@acme.test"))
    scim.post("Users", okta_user("lin@acme.test"))
    found = scim.get("Users", filter='userName eq "Ada@acme.test"', startIndex=1, count=100)
    assert found.status_code == 200
    assert [user["userName"] for user in found.json()["Resources"]] == ["ada@acme.test"]
    none = scim.get("Users", filter='userName eq "nobody@acme.test"').json()
    assert none["totalResults"] == 0 and none["Resources"] == []
    by_external = scim.get("Users", filter='externalId eq "00ujl29u0le5T6Aj10h7"').json()
    assert by_external["totalResults"] == 2


def test_put_updates_name_email_and_user_name(scim):
    created = scim.post("Users", okta_user("ada@acme.test")).json()
    body = okta_user("ada.l@acme.test", given="Augusta", email="augusta@acme.test")
    body["id"] = created["id"]
    response = scim.put(f"Users/{created['id']}", body)
    assert response.status_code == 200, response.content
    assert response.json()["userName"] == "ada.l@acme.test"
    user = ScimUser.objects.get(pk=created["id"]).user
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Augusta", "augusta@acme.test")
    entry = AuditEntry.objects.get(action="scim.member_updated")
    assert entry.details["email"] == ["ada@acme.test", "augusta@acme.test"]


def test_entra_patch_replaces_attributes_by_path(scim):
    created = scim.post("Users", entra_user("steve@acme.test")).json()
    response = scim.patch(
        f"Users/{created['id']}",
        {"op": "Replace", "path": "name.familyName", "value": "Wozniak"},
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "woz@acme.test"},
        {"op": "Replace", "path": "userName", "value": "woz@acme.test"},
        {
            "op": "Replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "value": "R&D",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"]["familyName"] == "Wozniak"
    assert body["emails"][0]["value"] == "woz@acme.test"
    assert body["userName"] == "woz@acme.test"


EVIL_EMAIL = {
    "op": "replace",
    "value": {"emails": [{"value": "evil@attacker.test", "primary": True}]},
}


@pytest.mark.parametrize("member_elsewhere", [False, True])
def test_a_linked_account_keeps_its_email(scim, org, other_org, member_elsewhere):
    """The account came from elsewhere: this provisioning changes its userName here, never
    the account's email (a password reset to it would take the account over)."""
    existing = UserFactory(username="sam", email="sam@acme.test")
    if member_elsewhere:
        MembershipFactory(user=existing, organization=other_org)
    created = scim.post("Users", okta_user("sam@acme.test")).json()
    response = scim.patch(f"Users/{created['id']}", EVIL_EMAIL)
    assert response.status_code == 200
    existing.refresh_from_db()
    assert existing.email == "sam@acme.test"


def test_a_created_account_that_joined_another_organization_keeps_its_email(scim, other_org):
    created = scim.post("Users", okta_user("kim@acme.test")).json()
    user = ScimUser.objects.get(pk=created["id"]).user
    MembershipFactory(user=user, organization=other_org)
    scim.patch(f"Users/{created['id']}", EVIL_EMAIL)
    user.refresh_from_db()
    assert user.email == "kim@acme.test"


def test_a_person_created_inactive_has_no_membership(scim, org):
    response = scim.post("Users", okta_user("late@acme.test", active=False))
    assert response.status_code == 201
    assert response.json()["active"] is False
    assert not Membership.objects.filter(organization=org, user__email="late@acme.test").exists()


def test_the_user_schema_endpoints_answer(scim):
    config = scim.get("ServiceProviderConfig")
    assert config.status_code == 200
    assert config.json()["filter"]["supported"] is True
    assert config.json()["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("ResourceTypes").json()
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    schemas = scim.get("Schemas").json()
    assert USER_SCHEMA in {s["id"] for s in schemas["Resources"]}


def test_search_by_post_and_the_audit_log_names_the_token(scim, client, org, admin_user):
    scim.post("Users", okta_user("ada@acme.test"))
    search = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "ada@acme.test"',
    }
    response = scim.post("Users/.search", search)
    assert response.status_code == 200, response.content
    assert response.json()["totalResults"] == 1
    client.force_login(admin_user)
    page = client.get(f"/o/{org.slug}/settings/audit/").content.decode()
    assert "SCIM (hs_scim_" in page and "Provisioned" in page and "(@ada)" in page
