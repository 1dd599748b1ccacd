"""The "Sign-in" settings tab: an admin configures Acme's OpenID Connect provider, tests it
(a real round trip through node-oidc-provider) and turns it on; nobody else may."""

import logging

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from identity.models import GroupRoleMapping, IdentityProvider, ProviderStatus
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.identity.helpers import provider_url
from tests.identity.oidc.helpers import (
    CLIENT_SECRET,
    PAGE,
    come_back,
    form_data,
    make_provider,
    with_mappings,
)

User = get_user_model()


def _provider(org):
    with scopes_disabled():
        return IdentityProvider.objects.get(organization=org)


def _audit(org, prefix="sso."):
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(organization=org, action__startswith=prefix).order_by("pk")
        )


def test_an_admin_configures_tests_and_turns_on_company_sign_in(
    client, org, admin_user, idp, caplog, settings
):
    settings.SITE_URL = "https://hindsight.example.com"
    caplog.set_level(logging.DEBUG)
    client.force_login(admin_user)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert b"https://hindsight.example.com/accounts/oidc/acme/login/callback/" in page.content
    assert b"/accounts/saml/acme/acs/" in page.content
    assert b"/accounts/saml/acme/metadata/" in page.content
    assert b'data-copy-target="sso-redirect-uri"' in page.content

    data = with_mappings(form_data(idp), [("engineering", Role.ENGINEER), ("it", Role.ADMIN)])
    response = client.post(PAGE, data)
    assert response.status_code == 302
    provider = _provider(org)
    assert provider.status == ProviderStatus.DRAFT
    assert provider.client_secret == CLIENT_SECRET
    with scopes_disabled():
        assert dict(GroupRoleMapping.objects.values_list("group", "role")) == {
            "engineering": Role.ENGINEER,
            "it": Role.ADMIN,
        }
    page = client.get(PAGE)
    assert CLIENT_SECRET.encode() not in page.content
    assert b"Client secret saved" in page.content
    assert b"Turn on" not in page.content  # not tested yet

    # Test connection: a round trip through the provider, back to this page.
    users_before = User.objects.count()
    start = client.post(f"{PAGE}test/")
    assert b"Testing the connection" in start.content
    assert provider_url(start).startswith(idp.issuer)
    back = come_back(client, idp.authorize(provider_url(start)))
    assert back.status_code == 302 and back["Location"] == PAGE
    provider = _provider(org)
    assert provider.status == ProviderStatus.TESTED
    assert provider.test_result["claims"]["email"] == "ann@acme.example"
    assert provider.test_result["claims"]["groups"] == ["engineering"]
    assert provider.test_result["role"] == Role.ENGINEER
    assert "nonce" not in provider.test_result["claims"]
    # still the admin, and nothing was created for Ann
    assert int(client.session["_auth_user_id"]) == admin_user.pk
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    page = client.get(PAGE)
    assert b"ann@acme.example" in page.content and b"engineering" in page.content
    assert b"this person would be engineer" in page.content

    assert client.post(f"{PAGE}on/").status_code == 302
    assert _provider(org).status == ProviderStatus.LIVE
    assert client.post(f"{PAGE}off/").status_code == 302
    assert _provider(org).status == ProviderStatus.TESTED

    actions = [entry.action for entry in _audit(org)]
    assert actions == [
        "sso.provider_created",
        "sso.mapping_changed",
        "sso.tested",
        "sso.domain_verified",  # the tested address was verified by the provider
        "sso.turned_on",
        "sso.turned_off",
    ]
    created = _audit(org)[0]
    assert created.details["client_secret"]["to"] == "changed"
    assert CLIENT_SECRET not in str([entry.details for entry in _audit(org, "")])
    assert CLIENT_SECRET not in caplog.text
    assert client.get("/o/acme/settings/audit/").status_code == 200


def test_changing_a_connection_field_returns_the_provider_to_draft(client, org, admin_user, idp):
    client.force_login(admin_user)
    make_provider(org, idp)
    response = client.post(PAGE, form_data(idp, client_id="another-client", client_secret=""))
    assert response.status_code == 302
    provider = _provider(org)
    assert provider.status == ProviderStatus.DRAFT
    assert provider.client_id == "another-client"
    assert provider.client_secret == CLIENT_SECRET  # a blank secret keeps the saved one
    [updated] = _audit(org)
    assert updated.details["client_id"] == {"from": "hindsight-acme", "to": "another-client"}
    assert updated.details["status"] == {"from": ProviderStatus.LIVE, "to": ProviderStatus.DRAFT}
    assert "client_secret" not in updated.details
    assert client.post(f"{PAGE}on/").status_code == 302
    assert _provider(org).status == ProviderStatus.DRAFT  # must be tested first


def test_a_new_secret_is_audited_as_changed_only(client, org, admin_user, idp):
    client.force_login(admin_user)
    make_provider(org, idp)
    client.post(PAGE, form_data(idp, client_secret="brand-new-secret-9"))
    [updated] = _audit(org)
    assert updated.details["client_secret"] == {"from": "changed", "to": "changed"}
    assert "brand-new-secret-9" not in str(updated.details)
    assert _provider(org).client_secret == "brand-new-secret-9"


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://127.0.0.1:9", b"could not reach"),
        ("http://idp.example.com", b"Use an https:// address"),
        ("localhost-mismatch", b"names another issuer"),
    ],
)
def test_a_bad_issuer_is_refused_naming_the_field(client, org, admin_user, idp, issuer, message):
    client.force_login(admin_user)
    if issuer == "localhost-mismatch":  # the same provider, under a name it does not use
        issuer = idp.issuer.replace("127.0.0.1", "localhost")
    response = client.post(PAGE, form_data(idp, issuer_url=issuer))
    assert response.status_code == 400
    assert "issuer_url" in response.context["form"].errors
    assert message in response.content
    assert CLIENT_SECRET.encode() not in response.content  # what was typed is not sent back
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [(("engineering", "WIZARD"), "role"), (("", Role.ADMIN), "group")],
)
def test_a_bad_mapping_row_is_refused_naming_the_field(client, org, admin_user, idp, row, field):
    client.force_login(admin_user)
    response = client.post(PAGE, with_mappings(form_data(idp), [row]))
    assert response.status_code == 400
    assert field in response.context["formset"].forms[0].errors
    assert f'id="id_mappings-0-{field}_error"'.encode() in response.content
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


def test_a_mapping_row_is_removed(client, org, admin_user, live_provider, idp):
    client.force_login(admin_user)
    data = with_mappings(form_data(idp, client_secret=""), [("engineering", Role.ENGINEER)])
    data["mappings-0-DELETE"] = "on"
    assert client.post(PAGE, data).status_code == 302
    with scopes_disabled():
        assert not GroupRoleMapping.objects.filter(group="engineering").exists()
    [changed] = _audit(org)
    assert changed.details["removed"] == ["engineering", "it", "sre"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER, Role.REVIEWER, Role.MANAGER])
def test_members_below_admin_are_refused(client, org, member_factory, idp, role):
    make_provider(org, idp, status=ProviderStatus.TESTED)
    client.force_login(member_factory(role))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, form_data(idp, name="Hijacked")).status_code == 403
    for action in ("test/", "on/", "off/"):
        assert client.post(PAGE + action).status_code == 403
    assert _provider(org).name == "Acme SSO"
    assert _provider(org).status == ProviderStatus.TESTED


def test_another_organizations_admin_gets_404(client, org, other_org, member_factory, idp):
    make_provider(org, idp, status=ProviderStatus.TESTED)
    client.force_login(member_factory(Role.ADMIN, organization=other_org))
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, form_data(idp, name="Hijacked")).status_code == 404
    assert client.post(PAGE + "on/").status_code == 404
    assert client.post(PAGE + "test/").status_code == 404
    assert _provider(org).status == ProviderStatus.TESTED
    # their own page shows their own (empty) settings, not Acme's
    own = client.get("/o/globex/settings/sign-in/")
    assert own.status_code == 200 and b"hindsight-acme" not in own.content
