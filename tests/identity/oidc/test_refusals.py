"""Company sign-ins that must not get through: each is refused with a clear page and an audit
entry in Acme's log, and nothing is half-created (no user, no membership, no linked account)."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client
from django_scopes import scopes_disabled

from identity.models import ProviderStatus
from organizations.models import AuditEntry, Membership
from tests.factories import UserFactory
from tests.identity.helpers import provider_url
from tests.identity.oidc.helpers import come_back, make_provider, sign_in, start_sign_in

User = get_user_model()


def _refusals(org):
    with scopes_disabled():
        return list(AuditEntry.objects.filter(organization=org, action="sso.sign_in_refused"))


def _nothing_created():
    assert not User.objects.filter(email="ann@acme.example").exists()
    assert not SocialAccount.objects.exists()
    with scopes_disabled():
        assert not Membership.objects.exists()


def _refused(response, org, words: str):
    assert response.status_code in (401, 403)
    assert words.encode() in response.content
    assert b"Company sign-in did not work" in response.content
    assert "_auth_user_id" not in response.wsgi_request.session
    [entry] = _refusals(org)
    assert entry.details["provider"] == "Acme SSO"
    assert words in entry.details["reason"]
    _nothing_created()


def test_a_wrong_client_secret_is_refused(client, org, idp):
    make_provider(org, idp, client_secret="not-the-secret")
    _refused(sign_in(client, idp), org, "client ID or secret is wrong")


def test_an_unreachable_issuer_at_sign_in_is_refused(client, org, idp):
    make_provider(org, idp, issuer_url="http://127.0.0.1:9")
    response = client.post("/accounts/oidc/acme/login/")
    _refused(response, org, "could not reach the identity provider")


def test_an_id_token_for_another_audience_is_refused(client, org, idp):
    make_provider(org, idp)
    idp.tamper_next_id_token(audience="someone-else")
    _refused(sign_in(client, idp), org, "issued for another application")


def test_a_nonce_mismatch_is_refused(client, org, idp):
    make_provider(org, idp)
    idp.tamper_next_id_token(nonce="a-nonce-from-elsewhere")
    _refused(sign_in(client, idp), org, "nonce mismatch")


def test_a_state_mismatch_is_refused(client, org, idp):
    make_provider(org, idp)
    callback = idp.authorize(start_sign_in(client))
    _refused(come_back(Client(), callback), org, "state mismatch")  # another browser


def test_a_forged_state_is_refused(client, org, idp):
    make_provider(org, idp)
    callback = idp.authorize(start_sign_in(client))
    forged = callback.replace("state=", "state=x")
    _refused(come_back(client, forged), org, "state mismatch")


def test_an_unverified_email_matching_an_account_is_not_linked(client, org, idp):
    make_provider(org, idp)
    ann = UserFactory(username="annlee", email="ann@acme.example")
    idp.set_account("ann-1", "ann@acme.example", email_verified=False, name="Ann Lee")
    response = sign_in(client, idp)
    assert response.status_code == 403
    assert b"did not confirm that the address is verified" in response.content
    assert "_auth_user_id" not in client.session
    assert not SocialAccount.objects.exists()
    with scopes_disabled():
        assert not Membership.objects.filter(user=ann).exists()
    [entry] = _refusals(org)
    assert entry.details["email"] == "ann@acme.example"
    ann.refresh_from_db()
    assert ann.has_usable_password()


def test_a_provider_that_is_not_live_signs_nobody_in(client, org, idp):
    make_provider(org, idp, status=ProviderStatus.TESTED)
    assert client.post("/accounts/oidc/acme/login/").status_code == 404
    _nothing_created()


@pytest.mark.parametrize("status", [ProviderStatus.DRAFT])
def test_a_failed_test_round_trip_returns_to_the_settings(client, org, admin_user, idp, status):
    make_provider(org, idp, status=status, client_secret="not-the-secret")
    client.force_login(admin_user)
    start = client.post("/o/acme/settings/sign-in/test/")
    response = come_back(client, idp.authorize(provider_url(start)))
    assert response.status_code == 401
    assert b"/o/acme/settings/sign-in/" in response.content
    [entry] = _refusals(org)
    assert entry.details["test"] is True and entry.actor == admin_user
