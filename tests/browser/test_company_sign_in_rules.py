"""Company sign-in's rules in Chromium, with Acme's provider live against the real
node-oidc-provider: an admin requires it on the Security tab (naming themselves the break-glass
admin, as the page asks of an admin signed in with a password) and a member's password is then
refused with a page that says why; a SCIM deactivation, sent as Okta sends it, ends the session
of a person who came through the provider and their API token answers 401."""

import json
import re

import pytest
import requests
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from identity.models import SignInMethod, SignInPolicy
from organizations.models import ApiToken
from organizations.roles import Role
from tests.browser.sso_steps import (
    audit,
    leave,
    live_oidc_provider,
    membership,
    new_person_page,
    password_sign_in,
    sign_ins,
)
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

SECURITY = "/o/acme/settings/security/"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def acme(transactional_db, oidc_provider, live_server, settings):
    """Acme with its provider live; Ada is its admin (a password of her own), Ben an engineer
    who signs in with his password so far. Hindsight's public address is the live server's."""
    settings.SITE_URL = live_server.url
    acme = OrganizationFactory(slug="acme", name="Acme Corporation")
    MembershipFactory(
        user=UserFactory(
            username="ada", email="ada@acme.example", first_name="Ada", last_name="Lovelace"
        ),
        organization=acme,
        role=Role.ADMIN,
    )
    MembershipFactory(
        user=UserFactory(
            username="ben", email="ben@acme.example", first_name="Ben", last_name="Ode"
        ),
        organization=acme,
        role=Role.ENGINEER,
    )
    live_oidc_provider(acme, oidc_provider, live_server)
    return acme


def test_require_sso_refuses_a_members_password_with_a_page_that_says_why(
    page, browser, live_server, acme, oidc_provider
):
    password_sign_in(page, "ada", next_path=SECURITY)
    expect(page.get_by_role("heading", level=1)).to_have_text("Security")
    expect(page.locator("#sso")).to_contain_text("Acme SSO is live.")
    page.get_by_label("Require company sign-in (SSO)").check()
    page.get_by_role("button", name="Save sign-in rules").click()
    # Signed in with a password herself, Ada would lose her own way in: the page says what to do.
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    expect(page.locator("#sso")).to_contain_text(
        "Sign in through Acme SSO first, or name yourself the break-glass admin"
    )
    page.get_by_label("Require company sign-in (SSO)").check()
    page.get_by_label("Break-glass admin").select_option(label="Ada Lovelace (ada)")
    page.get_by_role("button", name="Save sign-in rules").click()
    expect(page.locator("#messages")).to_contain_text(
        "Sign-in rules saved (company sign-in required, break-glass admin)."
    )
    expect(page.locator("#sso")).to_contain_text("Members sign in through it only.")
    with scopes_disabled():
        policy = SignInPolicy.objects.get(organization=acme)
    assert policy.require_sso and policy.break_glass_user.username == "ada"

    # Ben types his name and his password as he always has.
    ben = new_person_page(browser, live_server)
    ben.goto("/o/acme/")
    expect(ben).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/$"))
    ben.locator("input[name=login]").fill("ben")
    ben.keyboard.press("Enter")
    ben.get_by_label("Password").fill(PASSWORD)
    with ben.expect_response(re.compile(r"/accounts/login/")) as answer:
        ben.keyboard.press("Enter")
    assert answer.value.status == 403
    expect(ben).to_have_title(re.compile("Company sign-in required"))
    expect(ben.get_by_role("heading", level=1)).to_have_text(
        "Acme Corporation signs in through Acme SSO"
    )
    expect(ben.locator("main")).to_contain_text(
        "Acme Corporation requires company sign-in: its members use Acme SSO, not a password."
    )
    expect(ben.get_by_role("link", name="Back to sign in")).to_be_visible()
    # He is not signed in (a second tab of the same browser), and the refusal is in the log.
    other_tab = ben.context.new_page()
    other_tab.goto("/o/acme/")
    expect(other_tab).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/$"))
    other_tab.close()
    assert len(audit(acme, "sso.password_refused")) == 1

    # The page's button takes him through the provider instead, as the same account.
    oidc_provider.set_account("ben-2", "ben@acme.example", name="Ben", groups=["engineering"])
    oidc_provider.next_login("ben-2")
    ben.get_by_role("link", name="Sign in with Acme SSO").click()
    expect(ben).to_have_url(re.compile(r"/o/acme/$"))
    expect(ben.locator(".page-header")).to_contain_text("Engineer")
    leave(ben)
    assert [s.method for s in sign_ins("ben@acme.example")] == [SignInMethod.SSO]

    # Ada, the break-glass admin, keeps her password session.
    page.goto("/o/acme/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Corporation")


def _scim(url: str, token: str, method: str = "GET", body: dict | None = None):
    """A call as Okta or Entra ID makes it: SCIM JSON over HTTP with the bearer token."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    data = json.dumps(body) if body is not None else None
    return requests.request(method, url, data=data, headers=headers, timeout=10)


def test_a_scim_deactivation_ends_the_sso_session_and_the_api_token(
    page, browser, live_server, acme, oidc_provider
):
    # Ada creates the provisioning token on the Provisioning tab and copies it.
    password_sign_in(page, "ada", next_path="/o/acme/settings/provisioning/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Provisioning")
    base_url = page.get_by_label("SCIM base URL").input_value()
    assert base_url == f"{live_server.url}/scim/v2/"
    page.get_by_role("button", name="Create token").click()
    scim_token = page.get_by_label("Your new provisioning token").input_value()
    assert scim_token

    # The provider provisions Nina, then she signs in through it.
    created = _scim(
        base_url + "Users",
        scim_token,
        "POST",
        {
            "schemas": [USER_SCHEMA],
            "userName": "nina@acme.example",
            "name": {"givenName": "Nina", "familyName": "Park"},
            "emails": [{"primary": True, "value": "nina@acme.example", "type": "work"}],
            "active": True,
        },
    )
    assert created.status_code == 201, created.text
    oidc_provider.set_account("nina-7", "nina@acme.example", name="Nina Park", groups=["sre"])
    oidc_provider.next_login("nina-7")
    nina = new_person_page(browser, live_server)
    nina.goto("/o/acme/login/")
    expect(nina).to_have_url(re.compile(r"/o/acme/$"))
    expect(nina.locator(".page-header")).to_contain_text("Manager")

    # She makes an API token for a script on her own tokens page.
    nina.goto("/o/acme/settings/tokens/")
    nina.get_by_label("Name").fill("laptop script")
    nina.get_by_role("button", name="Create token").click()
    api_token = nina.get_by_label("Your new token").input_value()
    api = f"{live_server.url}/api/v1/incidents"
    assert requests.get(api, headers={"Authorization": f"Bearer {api_token}"}, timeout=10).ok

    # Nina leaves: the provider deactivates her, as Okta does.
    deactivated = _scim(
        f"{base_url}Users/{created.json()['id']}",
        scim_token,
        "PATCH",
        {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False

    nina.reload()
    expect(nina).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/settings/tokens/$"))
    expect(nina.get_by_role("heading", level=1)).to_have_text("Sign in")
    answer = requests.get(api, headers={"Authorization": f"Bearer {api_token}"}, timeout=10)
    assert answer.status_code == 401
    leave(nina)
    assert membership("nina@acme.example", acme) is None
    with scopes_disabled():
        assert not ApiToken.objects.filter(user__email="nina@acme.example").exists()
    [entry] = audit(acme, "scim.member_deactivated")
    assert entry.details["tokens"] == 1
