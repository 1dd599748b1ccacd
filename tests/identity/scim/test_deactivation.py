"""Deactivation removes the membership at once: sessions end, API tokens answer 401; the last
admin stays; reactivation gives the membership back."""

import pytest
from django.test import Client

from identity.models import ScimUser, SignIn
from organizations.models import AuditEntry, Membership
from organizations.roles import Role
from organizations.services import api_token_create
from organizations.services_members import member_remove
from tests.factories import PASSWORD
from tests.identity.scim.conftest import is_scim_error, okta_user

API = "/api/v1/incidents"


def sign_in(username: str) -> Client:
    browser = Client()
    response = browser.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200
    return browser


def is_signed_out(browser: Client) -> bool:
    response = browser.get("/")
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.fixture
def bob(member_factory):
    return member_factory(Role.ENGINEER, username="bob", email="bob@acme.test")


@pytest.fixture
def bob_id(scim, bob) -> str:
    response = scim.post("Users", okta_user("bob@acme.test", given="Bob", family="Stone"))
    assert response.status_code == 201
    return response.json()["id"]


OKTA_DEACTIVATE = {"op": "replace", "value": {"active": False}}
ENTRA_DEACTIVATE = {"op": "Replace", "path": "active", "value": "False"}
ENTRA_DEACTIVATE_BOOLEAN = {"op": "replace", "path": "active", "value": False}


@pytest.mark.parametrize("operation", [OKTA_DEACTIVATE, ENTRA_DEACTIVATE, ENTRA_DEACTIVATE_BOOLEAN])
def test_patch_active_false_ends_sessions_and_tokens(scim, org, bob, bob_id, client, operation):
    browser = sign_in("bob")
    _, plain = api_token_create(organization=org, user=bob, name="ci")
    assert client.get(API, headers={"Authorization": f"Bearer {plain}"}).status_code == 200

    response = scim.patch(f"Users/{bob_id}", operation)

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert not Membership.objects.filter(organization=org, user=bob).exists()
    assert is_signed_out(browser)
    assert client.get(API, headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    entry = AuditEntry.objects.get(action="scim.member_deactivated")
    assert entry.actor_name.startswith("SCIM (") and entry.details["tokens"] == 1
    assert AuditEntry.objects.get(action="member.removed").actor_name == entry.actor_name
    assert scim.get(f"Users/{bob_id}").json()["active"] is False


def test_put_with_active_false_deactivates(scim, org, bob, bob_id):
    body = okta_user("bob@acme.test", given="Bob", family="Stone", active=False)
    response = scim.put(f"Users/{bob_id}", body)
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert not Membership.objects.filter(organization=org, user=bob).exists()


def test_delete_deactivates_and_forgets(scim, org, bob, bob_id):
    browser = sign_in("bob")
    assert scim.delete(f"Users/{bob_id}").status_code == 204
    assert not Membership.objects.filter(organization=org, user=bob).exists()
    assert not ScimUser.objects.filter(pk=bob_id).exists()
    assert is_scim_error(scim.get(f"Users/{bob_id}"), 404)
    assert is_signed_out(browser)


def test_reactivation_gives_the_membership_back(scim, org, bob, bob_id):
    scim.patch(f"Users/{bob_id}", OKTA_DEACTIVATE)
    response = scim.patch(f"Users/{bob_id}", {"op": "replace", "value": {"active": True}})
    assert response.status_code == 200
    assert response.json()["active"] is True
    assert Membership.objects.get(organization=org, user=bob).role == Role.ENGINEER
    assert AuditEntry.objects.filter(action="scim.member_reactivated").count() == 1


def test_a_member_elsewhere_keeps_the_other_organizations_session(
    scim, org, other_org, bob, bob_id
):
    from tests.factories import MembershipFactory

    MembershipFactory(user=bob, organization=other_org)
    browser = sign_in("bob")
    SignIn.objects.create(user=bob, session_key="x" * 32, method="SSO", organization=org)
    scim.patch(f"Users/{bob_id}", OKTA_DEACTIVATE)
    assert not SignIn.objects.filter(session_key="x" * 32).exists()  # signed in through Acme
    assert browser.get("/").status_code == 200  # the password session serves Globex


def test_the_last_admin_cannot_be_deactivated(scim, org, admin_user):
    admin_user.email = "root@acme.test"
    admin_user.save()
    admin_id = scim.post("Users", okta_user("root@acme.test")).json()["id"]
    response = scim.patch(f"Users/{admin_id}", OKTA_DEACTIVATE)
    assert is_scim_error(response, 409)
    assert "last admin" in response.json()["detail"]
    assert Membership.objects.get(organization=org, user=admin_user).role == Role.ADMIN
    assert is_scim_error(scim.delete(f"Users/{admin_id}"), 409)
    assert ScimUser.objects.filter(pk=admin_id).exists()


def test_an_admin_removing_a_member_ends_their_sessions(org, admin_user, bob):
    browser = sign_in("bob")
    member_remove(membership=Membership.objects.get(organization=org, user=bob), actor=admin_user)
    assert is_signed_out(browser)
