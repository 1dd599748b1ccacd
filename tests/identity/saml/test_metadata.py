"""Hindsight's SP metadata at /accounts/saml/<slug>/metadata/, and where the IdP is read from:
only a live provider (or the one an admin is testing in this session) has SAML pages; an IdP
named by a metadata URL is read from it, over https unless the host is allowed."""

import pytest
from django_scopes import scopes_disabled
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

from identity.models import Protocol, ProviderStatus
from identity.selectors import TESTING_PROVIDER_SESSION_KEY
from tests.counterparts.saml_idp import _key_and_certificate
from tests.identity.saml.helpers import (
    acs_url,
    make_provider,
    membership_of,
    refusals,
    sign_in,
    sp_entity_id,
)

pytestmark = pytest.mark.django_db
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def by_metadata_url(organization, url: str):
    """A provider known by its metadata URL only (nothing saved from it)."""
    return make_provider(organization, None, idp_metadata_url=url, idp_entity_id="", idp_sso_url="")


def test_the_sp_metadata_is_valid_and_names_the_acs_url(browser, live_provider):
    response = browser.get("/accounts/saml/acme/metadata/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/samlmetadata+xml")
    # python3-saml's schema check: the parsed document, or the name of what is wrong
    document = OneLogin_Saml2_XML.validate_xml(response.content, "saml-schema-metadata-2.0.xsd")
    assert not isinstance(document, str), document
    assert document.get("entityID") == sp_entity_id("acme")
    descriptor = document.find(f"{MD}SPSSODescriptor")
    assert descriptor.get("WantAssertionsSigned") == "true"
    acs = descriptor.find(f"{MD}AssertionConsumerService")
    assert acs.get("Location") == acs_url("acme")
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def test_the_sp_metadata_does_not_need_the_idp(browser, org):
    """An IdP named by a metadata URL that cannot be read: Hindsight's own side still shows."""
    by_metadata_url(org, "http://127.0.0.1:9/metadata")

    assert browser.get("/accounts/saml/acme/metadata/").status_code == 200


@pytest.mark.parametrize("status", [ProviderStatus.DRAFT, ProviderStatus.TESTED])
def test_a_provider_that_is_not_live_has_no_saml_pages(browser, idp, org, status):
    make_provider(org, idp, status=status)

    assert browser.get("/accounts/saml/acme/metadata/").status_code == 404
    assert browser.post("/accounts/saml/acme/login/").status_code == 404
    assert browser.get("/accounts/saml/acme/acs/finish/").status_code == 404


def test_an_organization_without_a_saml_provider_has_no_saml_pages(browser, idp, org):
    make_provider(org, idp, protocol=Protocol.OIDC)

    assert browser.get("/accounts/saml/acme/metadata/").status_code == 404
    assert browser.get("/accounts/saml/nobody/metadata/").status_code == 404


def test_the_provider_an_admin_is_testing_has_its_pages_in_that_session_only(browser, idp, org):
    provider = make_provider(org, idp, status=ProviderStatus.DRAFT)
    session = browser.session
    session[TESTING_PROVIDER_SESSION_KEY] = provider.pk
    session.save()

    assert browser.get("/accounts/saml/acme/metadata/").status_code == 200
    assert browser.post("/accounts/saml/acme/login/").status_code == 302


def test_an_idp_named_by_its_metadata_url_is_read_from_it(browser, idp, org):
    by_metadata_url(org, idp.metadata_url)

    response = sign_in(browser, idp, "acme")

    assert response.status_code == 302
    assert membership_of("ann@acme.example", org) is not None


def test_saved_values_serve_while_the_metadata_url_cannot_be_read(browser, idp, org):
    make_provider(org, idp, idp_metadata_url="http://127.0.0.1:9/metadata")

    assert sign_in(browser, idp, "acme").status_code == 302


def test_the_metadata_url_is_read_again_so_a_rotated_certificate_is_used(browser, idp, org):
    _, old_certificate = _key_and_certificate("the IdP's previous certificate")
    make_provider(
        org, idp, idp_metadata_url=idp.metadata_url, idp_certificate=old_certificate.decode()
    )

    assert sign_in(browser, idp, "acme").status_code == 302


def test_a_metadata_url_is_read_over_https_only(browser, idp, org, settings):
    settings.SSO_INSECURE_HOSTS = []
    by_metadata_url(org, idp.metadata_url)

    response = browser.post("/accounts/saml/acme/login/")

    assert response.status_code == 400
    assert "cannot be reached" in response.content.decode()
    assert "https" in refusals(org)[0].details["reason"]
    assert not idp.requests


def test_an_incomplete_provider_is_refused_with_a_page(browser, org):
    make_provider(org, idp=None, idp_entity_id="x", idp_sso_url="", idp_certificate="")

    response = browser.post("/accounts/saml/acme/login/")

    assert response.status_code == 400
    assert "not set up completely" in response.content.decode()
    with scopes_disabled():
        assert len(refusals(org)) == 1
