"""Signing in by keyboard when company sign-in exists: the email first, then the company's
identity provider (the real OpenID Connect provider on loopback) or the password."""

import re

import pytest
from playwright.sync_api import expect

from organizations.models import Organization
from tests.identity.routing.helpers import ACME_CLIENT_ID, email_domain, oidc_identity_provider

HOME = re.compile(r"^http://[^/]+/o/acme/$")


@pytest.fixture
def acme_sso(demo, live_server, oidc_provider):
    """The demo's Acme signs in through the provider, for addresses at example.com."""
    oidc_provider.add_client(
        ACME_CLIENT_ID,
        "browser-secret-42",
        [f"{live_server.url}/accounts/oidc/acme/login/callback/"],
    )
    acme = Organization.objects.get(slug="acme")
    oidc_identity_provider(acme, oidc_provider.issuer, client_secret="browser-secret-42")
    email_domain(acme, "example.com")
    oidc_provider.set_account("bob", "bob@example.com", name="Bob")
    oidc_provider.next_login("bob")


def test_bob_types_his_email_and_the_provider_signs_him_in(page, acme_sso):
    page.goto("/o/acme/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/$"))
    email = page.get_by_label("Email or username")
    expect(email).to_be_focused()
    page.keyboard.type("bob@example.com")
    page.keyboard.press("Enter")
    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Corporation")
    assert not page.console_errors


def test_a_username_goes_on_to_the_password_with_the_name_kept(page, acme_sso):
    page.goto("/accounts/login/?next=/o/acme/")
    page.keyboard.type("bob")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Username or email")).to_have_value("bob")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("hindsight-demo")
    page.keyboard.press("Enter")
    expect(page).to_have_url(HOME)
