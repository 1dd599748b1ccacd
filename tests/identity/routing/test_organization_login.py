"""``/o/<slug>/login/`` goes straight to the organization's identity provider; an organization
without a live one and an unknown one get the same page offering the password sign-in."""

import re

import pytest

from identity.models import ProviderStatus

from .helpers import ACME_CALLBACK, oidc_identity_provider, saml_identity_provider


def without_nonces(response) -> str:
    """The page with what differs per response (CSP nonces, the masked CSRF token) taken out."""
    page = re.sub(r'nonce="[^"]*"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", page)


def test_an_anonymous_visitor_goes_straight_to_the_organizations_provider(
    client, acme_oidc, oidc_provider
):
    response = client.get("/o/acme/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(oidc_provider.authorization_endpoint + "?")
    assert (
        f"redirect_uri={ACME_CALLBACK.replace(':', '%3A').replace('/', '%2F')}"
        in (response["Location"])
    )


@pytest.mark.parametrize(
    ("query", "lands_on"),
    [
        ("", "/o/acme/"),  # the organization's home by default
        ("?next=/o/acme/incidents/", "/o/acme/incidents/"),  # next is kept
        ("?next=https://evil.example/", "/o/acme/"),  # another site's address is dropped
    ],
)
def test_after_the_provider_the_person_lands_in_the_organization(
    client, acme_oidc, oidc_provider, query, lands_on
):
    oidc_provider.set_account("jane", "jane@acme.example")
    oidc_provider.next_login("jane")
    callback = oidc_provider.authorize(client.get(f"/o/acme/login/{query}")["Location"])
    landed = client.get(callback.removeprefix("http://testserver"))
    assert landed["Location"] == lands_on


@pytest.mark.parametrize("status", [ProviderStatus.DRAFT, ProviderStatus.TESTED, None])
def test_without_a_live_provider_the_page_offers_the_password_sign_in(
    client, org, oidc_provider, status
):
    if status is not None:
        oidc_identity_provider(org, oidc_provider.issuer, status=status)
    response = client.get("/o/acme/login/?next=/o/acme/incidents/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "No company sign-in here" in page
    assert 'href="/accounts/login/?next=%2Fo%2Facme%2Fincidents%2F"' in page
    assert "Acme" not in page


def test_an_unknown_organization_looks_the_same_as_one_without_a_provider(client, org):
    unknown = client.get("/o/nobody-here/login/")
    known = client.get("/o/acme/login/")
    assert unknown.status_code == known.status_code == 404
    assert without_nonces(unknown) == without_nonces(known)


def test_only_get_starts_the_sign_in(client, acme_oidc):
    assert client.post("/o/acme/login/").status_code == 405


def test_an_unreachable_saml_metadata_url_says_so_and_offers_the_password(client, org):
    # nothing listens there
    saml_identity_provider(org, name="Acme SAML", idp_metadata_url="http://127.0.0.1:9/metadata")
    response = client.get("/o/acme/login/?next=/o/acme/incidents/")
    page = response.content.decode()
    assert response.status_code == 502
    assert "could not be reached" in page and "Acme SAML" in page
    assert 'href="/accounts/login/?use_password=1&amp;next=%2Fo%2Facme%2Fincidents%2F"' in page


def test_the_members_pages_of_the_organization_still_need_a_sign_in(client, acme_oidc):
    response = client.get("/o/acme/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_allauths_confirmation_address_goes_to_the_organization_login(client, db):
    """A GET of allauth's own OIDC address would show a form whose redirect the CSP stops: it
    goes to /o/<slug>/login/ (which starts the sign-in at once), keeping ``next``."""
    response = client.get("/accounts/oidc/acme/login/", {"next": "/o/acme/incidents/"})
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/login/?next=%2Fo%2Facme%2Fincidents%2F"
