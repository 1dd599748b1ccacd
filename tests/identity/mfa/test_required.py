"""An organization that requires two-factor authentication: its members who signed in with a
password and have no authenticator are sent to set one up (for its pages only); members who came
through company sign-in are not asked; once set up, they continue."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from organizations.roles import Role
from tests.identity.helpers import (
    TOTP_SETUP,
    confirm_password,
    password_sign_in,
    policy,
    sso_session,
    totp_code,
)


@pytest.fixture
def acme_requires_mfa(org):
    return policy(org, require_mfa=True)


def test_a_password_member_is_sent_to_set_up_an_authenticator(
    client, engineer, org, acme_requires_mfa
):
    password_sign_in(client, "engineer")
    response = client.get("/o/acme/incidents/")
    assert response.status_code == 302 and response["Location"] == TOTP_SETUP
    page = confirm_password(client, TOTP_SETUP)
    assert b"Acme Corporation requires two-factor authentication" in page.content
    assert client.get("/").status_code == 200  # pages outside the organization stay open

    done = client.post(TOTP_SETUP, {"code": totp_code(client.session["mfa.totp.secret"])})
    codes = client.get(done["Location"])
    assert b'href="/o/acme/incidents/">Continue</a>' in codes.content
    assert client.get("/o/acme/incidents/").status_code == 200


def test_htmx_requests_are_sent_to_setup_as_a_full_page(client, engineer, acme_requires_mfa):
    password_sign_in(client, "engineer")
    response = client.get("/o/acme/incidents/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == TOTP_SETUP


def test_another_organization_without_the_rule_is_not_affected(
    client, member_factory, org, other_org, acme_requires_mfa
):
    person = member_factory(Role.ENGINEER, username="pat")
    with scopes_disabled():
        other_org.memberships.create(user=person, role=Role.ENGINEER)
    password_sign_in(client, "pat")
    assert client.get("/o/globex/").status_code == 200
    assert client.get("/o/acme/").status_code == 302


def test_a_member_who_came_through_company_sign_in_is_not_asked(
    client, engineer, org, acme_requires_mfa
):
    sso_session(client, engineer, org)
    assert client.get("/o/acme/incidents/").status_code == 200


def test_a_member_with_an_authenticator_signs_in_with_it_and_continues(
    client, engineer, org, acme_requires_mfa
):
    password_sign_in(client, "engineer")
    confirm_password(client, TOTP_SETUP)
    secret = client.session["mfa.totp.secret"]
    client.post(TOTP_SETUP, {"code": totp_code(secret)})
    later = Client()
    password_sign_in(later, "engineer")
    later.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert later.get("/o/acme/incidents/").status_code == 200
