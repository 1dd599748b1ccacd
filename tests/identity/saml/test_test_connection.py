"""An admin's "Test connection" for a SAML provider: a round trip through the real IdP that
keeps what it sent (the attributes, multi-valued groups readable) and signs nobody in."""

import pytest
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from identity.models import IdentityProvider, ProviderStatus
from tests.identity.helpers import provider_url
from tests.identity.saml.helpers import make_provider, membership_of, post_answer, refusals

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def draft(org, idp):
    return make_provider(org, idp, status=ProviderStatus.DRAFT)


def test_a_test_round_trip_keeps_the_attributes_and_signs_nobody_in(
    browser, idp, draft, org, admin_user
):
    idp.next_login("ann@acme.example", first_name="Ann", groups=["engineering", "sre"])
    browser.force_login(admin_user)

    started = browser.post("/o/acme/settings/sign-in/test/")
    form = idp.login(provider_url(started))
    response = post_answer(browser, form.action, form.data)

    assert response.status_code == 302
    assert response.headers["Location"] == "/o/acme/settings/sign-in/"
    with scopes_disabled():
        provider = IdentityProvider.objects.get(pk=draft.pk)
    assert provider.status == ProviderStatus.TESTED
    claims = provider.test_result["claims"]
    assert claims["email"] == "ann@acme.example"
    assert claims["groups"] == ["engineering", "sre"]
    assert provider.test_result["groups"] == ["engineering", "sre"]
    assert int(browser.session["_auth_user_id"]) == admin_user.pk
    assert not User.objects.filter(email="ann@acme.example").exists()
    assert membership_of("ann@acme.example", org) is None
    page = browser.get("/o/acme/settings/sign-in/").content.decode()
    assert "engineering, sre" in page


def test_a_refused_test_round_trip_is_a_page_and_an_audit_entry(
    browser, idp, draft, org, admin_user
):
    idp.tamper_next_response(other_key=True)
    browser.force_login(admin_user)

    started = browser.post("/o/acme/settings/sign-in/test/")
    form = idp.login(provider_url(started))
    response = post_answer(browser, form.action, form.data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "not signed by your identity provider" in page
    assert 'href="/o/acme/settings/sign-in/"' in page
    with scopes_disabled():
        assert IdentityProvider.objects.get(pk=draft.pk).status == ProviderStatus.DRAFT
    [refusal] = refusals(org)
    assert refusal.details["test"] is True
    assert refusal.actor == admin_user
    assert not User.objects.filter(email="ann@acme.example").exists()
