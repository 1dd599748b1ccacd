"""Bad SAML answers from the real pysaml2 IdP are refused with a page saying why and an entry
in the provider's organization's audit log, before anything is created: no user, no social
account, no membership."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from tests.identity.saml.helpers import (
    HOST,
    acs_url,
    at_idp,
    make_provider,
    membership_of,
    post_answer,
    refusals,
    sign_in,
    sp_entity_id,
    start,
)

pytestmark = pytest.mark.django_db
User = get_user_model()


def assert_refused(response, browser, organization, words: str) -> None:
    assert response.status_code == 400
    assert words in response.content.decode()
    assert "_auth_user_id" not in browser.session
    assert not User.objects.filter(email="ann@acme.example").exists()
    assert not SocialAccount.objects.exists()
    assert membership_of("ann@acme.example", organization) is None
    assert len(refusals(organization)) == 1


@pytest.mark.parametrize(
    ("tamper", "words", "reason"),
    [
        ({"expired": True}, "This sign-in has expired", "expired"),
        ({"other_key": True}, "not signed by your identity provider", "signature"),
        (
            {"audience": "http://elsewhere.example/metadata/"},
            "meant for another service",
            "audience",
        ),
    ],
    ids=["expired", "another-certificate", "another-audience"],
)
def test_a_bad_answer_is_refused(browser, idp, live_provider, org, tamper, words, reason):
    idp.tamper_next_response(**tamper)

    response = sign_in(browser, idp, "acme")

    assert_refused(response, browser, org, words)
    assert f"({reason})" in refusals(org)[0].details["reason"]


def test_an_answer_posted_a_second_time_is_refused(browser, idp, live_provider, org):
    form = at_idp(browser, idp, "acme")
    assert post_answer(browser, form.action, form.data).status_code == 302
    browser.post("/accounts/logout/")

    response = post_answer(browser, form.action, form.data)

    assert response.status_code == 400
    assert "already signed someone in once" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    assert "(replayed)" in refusals(org)[0].details["reason"]


def test_an_answer_replayed_from_another_browser_is_refused(browser, idp, live_provider, org):
    form = at_idp(browser, idp, "acme")
    post_answer(browser, form.action, form.data)
    thief = Client(HTTP_HOST=HOST)

    response = post_answer(thief, form.action, form.data)

    assert response.status_code == 400
    assert "_auth_user_id" not in thief.session
    assert "(replayed)" in refusals(org)[0].details["reason"]


def test_an_answer_to_a_sign_in_started_in_another_browser_is_refused(
    browser, idp, live_provider, org
):
    form = at_idp(browser, idp, "acme")
    other = Client(HTTP_HOST=HOST)

    response = post_answer(other, form.action, form.data)

    assert_refused(response, other, org, "not started here")


def test_an_unsolicited_idp_initiated_answer_is_refused(browser, idp, live_provider, org):
    answer = idp.response_for(acs_url("acme"), sp_entity_id("acme"))

    response = post_answer(browser, acs_url("acme"), {"SAMLResponse": answer})

    assert_refused(response, browser, org, "Start the sign-in from Hindsight")


def test_a_failed_sign_in_at_the_idp_is_refused(browser, idp, live_provider, org):
    idp.fail_next_login("no entry today")

    response = sign_in(browser, idp, "acme")

    assert_refused(response, browser, org, "did not sign you in")


def test_garbage_in_place_of_an_answer_is_refused(browser, idp, live_provider, org):
    start(browser, "acme")

    response = post_answer(browser, acs_url("acme"), {"SAMLResponse": "not-saml"})

    assert_refused(response, browser, org, "not a valid SAML answer")


def test_an_answer_for_one_organization_does_not_sign_in_to_another(
    browser, idp, live_provider, org, other_org
):
    """Both organizations trust the same IdP: Acme's answer posted at Globex's ACS (with a
    sign-in started at Globex in this browser) is refused there, and nobody joins Globex."""
    make_provider(other_org, idp)
    acme_form = at_idp(browser, idp, "acme")
    start(browser, "globex")

    response = post_answer(browser, acs_url("globex"), acme_form.data)

    assert response.status_code == 400
    assert "_auth_user_id" not in browser.session
    assert membership_of("ann@acme.example", other_org) is None
    assert len(refusals(other_org)) == 1
    assert refusals(org) == []
