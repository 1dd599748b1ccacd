"""Provisioning in the browser: an admin creates the SCIM token; the identity provider then
deactivates Bob, whose open session ends and whose API token answers 401."""

import json
import re
import urllib.error
import urllib.request

from django_scopes import scope
from playwright.sync_api import expect

from organizations.roles import Role
from organizations.services import api_token_create
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from tests.identity.scim.conftest import PATCH_OP, okta_user


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def call(url: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 (the live server on loopback)
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_a_scim_deactivation_signs_bob_out_and_stops_his_token(
    page, browser, live_server, transactional_db
):
    acme = OrganizationFactory(slug="acme", name="Acme Corporation")
    admin = UserFactory(username="ada")
    bob = UserFactory(username="bob", email="bob@acme.test")
    MembershipFactory(user=admin, organization=acme, role=Role.ADMIN)
    MembershipFactory(user=bob, organization=acme, role=Role.ENGINEER)
    with scope(organization=acme):
        api_plain = api_token_create(organization=acme, user=bob, name="ci")[1]

    sign_in(page, "ada")
    page.goto("/o/acme/settings/provisioning/")
    expect(page.locator("#scim-base-url")).to_have_value(re.compile(r"/scim/v2/$"))
    page.get_by_role("button", name="Create token").click()
    scim_plain = page.locator("#new-token").input_value()
    assert scim_plain.startswith("hs_scim_")

    bob_context = browser.new_context(base_url=live_server.url)
    bob_page = bob_context.new_page()
    sign_in(bob_page, "bob")
    bob_page.goto("/o/acme/")
    expect(bob_page).to_have_url(re.compile(r"/o/acme/$"))
    assert call(f"{live_server.url}/api/v1/incidents", api_plain)[0] == 200

    status, created = call(
        f"{live_server.url}/scim/v2/Users", scim_plain, "POST", okta_user("bob@acme.test")
    )
    assert status == 201
    deactivate = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    status, user = call(
        f"{live_server.url}/scim/v2/Users/{created['id']}", scim_plain, "PATCH", deactivate
    )
    assert (status, user["active"]) == (200, False)

    bob_page.goto("/o/acme/")
    expect(bob_page).to_have_url(re.compile(r"/accounts/login/"))
    assert call(f"{live_server.url}/api/v1/incidents", api_plain)[0] == 401
    bob_context.close()
