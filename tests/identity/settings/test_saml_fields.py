"""The SAML half of the "Sign-in" settings form: the IdP's metadata (by URL from the real pysaml2
IdP, or pasted) is read into its entity id, SSO URL and certificate when saved; what is not
metadata is refused naming the field. (The SAML sign-in itself is tested with its protocol.)"""

import pytest
from django_scopes import scopes_disabled

from identity.models import IdentityProvider, Protocol, ProviderStatus
from organizations.roles import Role

PAGE = "/o/acme/settings/sign-in/"


def _data(**fields) -> dict:
    return {
        "protocol": Protocol.SAML,
        "name": "Globex IdP",
        "default_role": Role.ENGINEER,
        "groups_claim": "groups",
        "scopes": "",
        "mappings-TOTAL_FORMS": "0",
        "mappings-INITIAL_FORMS": "0",
        "mappings-MIN_NUM_FORMS": "0",
        "mappings-MAX_NUM_FORMS": "100",
        **fields,
    }


def _saved(org):
    with scopes_disabled():
        return IdentityProvider.objects.get(organization=org)


@pytest.mark.parametrize("source", ["idp_metadata_url", "idp_metadata_xml"])
def test_the_idp_metadata_is_read_when_saved(client, org, admin_user, saml_idp, source):
    client.force_login(admin_user)
    value = saml_idp.metadata_url if source == "idp_metadata_url" else saml_idp.metadata_xml
    response = client.post(PAGE, _data(**{source: value}))
    assert response.status_code == 302
    provider = _saved(org)
    assert provider.status == ProviderStatus.DRAFT
    assert provider.idp_entity_id == saml_idp.entity_id
    assert provider.idp_sso_url.startswith(saml_idp.base_url)
    assert provider.idp_certificate


def test_pasted_text_that_is_not_metadata_is_refused(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, _data(idp_metadata_xml="<not really>"))
    assert response.status_code == 400
    assert "idp_metadata_xml" in response.context["form"].errors
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()


def test_without_metadata_the_three_idp_fields_are_required(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, _data(idp_entity_id="https://idp.example.com"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "idp_sso_url" in errors and "idp_certificate" in errors
    assert "idp_entity_id" not in errors
