""" "Require SSO", enforced: a password that opens no organization any more is refused with a
page naming the provider; each organization's pages admit only sessions through its provider
(and its break-glass admin); turning the rule on ends the sessions it no longer admits."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from identity.models import SignIn
from organizations.models import AuditEntry
from organizations.roles import Role
from organizations.services import api_token_create
from tests.identity.helpers import (
    password_sign_in,
    policy,
    provider,
    security_url,
    sso_session,
)


@pytest.fixture
def acme_requires_sso(org):
    provider(org)
    return policy(org, require_sso=True)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_password_is_refused_when_every_organization_requires_sso(
    client, engineer, org, acme_requires_sso
):
    response = password_sign_in(client, "engineer")
    assert response.status_code == 403
    assert b"Acme Corporation signs in through Okta" in response.content
    assert b'href="/o/acme/login/"' in response.content
    assert b'class="auth-card"' in response.content
    assert not _signed_in(client)
    assert not SignIn.objects.filter(user=engineer).exists()
    entry = AuditEntry.objects.get(action="sso.password_refused")
    assert entry.actor == engineer and entry.details == {"provider": "Okta"}


def test_the_break_glass_admin_keeps_a_password(client, admin_user, org):
    provider(org)
    policy(org, require_sso=True, break_glass_user=admin_user)
    assert password_sign_in(client, "admin-user").status_code == 302
    assert client.get("/o/acme/").status_code == 200
    assert not AuditEntry.objects.filter(action="sso.password_refused").exists()


def test_a_break_glass_admin_who_is_no_longer_admin_is_refused(client, engineer, org):
    provider(org)
    policy(org, require_sso=True, break_glass_user=engineer)
    assert password_sign_in(client, "engineer").status_code == 403


def test_a_rule_is_not_enforced_while_the_provider_is_not_live(client, engineer, org):
    provider(org, status="TESTED")
    policy(org, require_sso=True)
    assert password_sign_in(client, "engineer").status_code == 302
    assert client.get("/o/acme/").status_code == 200


def test_a_wrong_password_is_still_just_a_wrong_password(client, engineer, acme_requires_sso):
    response = client.post("/accounts/login/", {"login": "engineer", "password": "nope"})
    assert response.status_code == 200
    assert b"signs in through" not in response.content
    assert not AuditEntry.objects.exists()


def test_a_member_of_several_organizations_keeps_those_without_the_rule(
    client, member_factory, org, other_org, acme_requires_sso
):
    person = member_factory(Role.ENGINEER, username="pat")
    with scopes_disabled():
        other_org.memberships.create(user=person, role=Role.ENGINEER)
    assert password_sign_in(client, "pat").status_code == 302
    assert client.get("/o/globex/").status_code == 200
    for path in ("/o/acme/", "/o/acme/incidents/", "/o/acme/settings/tokens/"):
        page = client.get(path)
        assert page.status_code == 403
        assert b"Acme Corporation signs in through Okta" in page.content
        assert b'href="/o/acme/login/"' in page.content
    assert client.get("/o/acme/", headers={"HX-Request": "true"})["HX-Refresh"] == "true"


def test_the_api_and_the_organizations_own_sign_in_address_are_left_alone(
    client, member_factory, org, other_org, acme_requires_sso
):
    person = member_factory(Role.ENGINEER, username="pat")
    with scopes_disabled():
        other_org.memberships.create(user=person, role=Role.ENGINEER)
    _, plain = api_token_create(organization=org, user=person, name="ci")
    api = Client()
    response = api.get("/api/v1/incidents", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    password_sign_in(client, "pat")
    assert client.get("/o/acme/login/").status_code != 403


def test_a_session_through_the_organizations_provider_is_admitted(
    client, engineer, org, acme_requires_sso
):
    sso_session(client, engineer, org)
    assert client.get("/o/acme/").status_code == 200


def test_a_session_through_another_organizations_provider_is_not(
    client, member_factory, org, other_org, acme_requires_sso
):
    person = member_factory(Role.ENGINEER, username="pat")
    with scopes_disabled():
        other_org.memberships.create(user=person, role=Role.ENGINEER)
    provider(other_org, name="Globex ID")
    sso_session(client, person, other_org)
    assert client.get("/o/globex/").status_code == 200
    assert client.get("/o/acme/").status_code == 403


def test_requiring_sso_ends_the_sessions_it_no_longer_admits(
    client, admin_user, engineer, viewer, org
):
    provider(org)
    engineer_client, viewer_client = Client(), Client()
    password_sign_in(engineer_client, "engineer")
    sso_session(viewer_client, viewer, org)
    password_sign_in(client, "admin-user")
    response = client.post(
        security_url(), {"require_sso": "on", "break_glass_user": admin_user.pk}, follow=True
    )
    assert b"1 session that did not come through Okta ended." in response.content
    assert engineer_client.get("/o/acme/")["Location"].startswith("/accounts/login/")
    assert viewer_client.get("/o/acme/").status_code == 200
    assert client.get("/o/acme/").status_code == 200  # the break-glass admin's own session
    entry = AuditEntry.objects.get(action="sso.policy_changed")
    assert entry.details["sessions_ended"] == 1
    assert entry.details["require_sso"] == {"from": False, "to": True}


def test_ending_sessions_leaves_people_of_other_organizations_alone(
    client, admin_user, org, other_org, member_factory
):
    provider(org)
    stranger = Client()
    member_factory(Role.ENGINEER, organization=other_org, username="stranger")
    password_sign_in(stranger, "stranger")
    sso_session(client, admin_user, org)
    client.post(security_url(), {"require_sso": "on", "break_glass_user": ""})
    assert stranger.get("/o/globex/").status_code == 200


def test_the_rules_cost_one_query_per_page(
    client, settings, engineer, org, acme_requires_sso, count_queries
):
    middleware = "identity.middleware.SignInRulesMiddleware"
    sso_session(client, engineer, org)
    client.get("/o/acme/")
    with_rules = count_queries(lambda: client.get("/o/acme/"))
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != middleware]
    bare = Client()
    sso_session(bare, engineer, org)
    bare.get("/o/acme/")
    without_rules = count_queries(lambda: bare.get("/o/acme/"))
    assert with_rules - without_rules == 1
