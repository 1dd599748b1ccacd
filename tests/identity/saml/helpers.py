"""Driving a SAML sign-in with the Django test client against the real pysaml2 IdP.

The test client plays the browser: it starts the login at Hindsight, follows the redirect to
the IdP over real HTTP (``saml_idp.login``), and posts the IdP's form (SAMLResponse and
RelayState) back to Hindsight's ACS, which keeps the answer and redirects to ``acs/finish/``.

The client talks to Hindsight as ``127.0.0.1``: python3-saml, strict, refuses single-label
host names such as the test client's default ``testserver``."""

from django.test import Client
from django_scopes import scopes_disabled

from identity.models import IdentityProvider, Protocol, ProviderStatus
from organizations.models import AuditEntry, Membership
from tests.counterparts.saml_binding import PostedForm
from tests.counterparts.saml_idp import SamlIdentityProvider

HOST = "127.0.0.1"
BASE = f"http://{HOST}"


def acs_url(slug: str) -> str:
    return f"{BASE}/accounts/saml/{slug}/acs/"


def sp_entity_id(slug: str) -> str:
    return f"{BASE}/accounts/saml/{slug}/metadata/"


def make_provider(organization, idp: SamlIdentityProvider | None, **fields) -> IdentityProvider:
    """The organization's SAML provider, live, configured by entity id + SSO URL + certificate
    (as the settings page saves it, also when the admin gave a metadata URL)."""
    values = {"protocol": Protocol.SAML, "name": "Test IdP", "status": ProviderStatus.LIVE}
    if idp is not None:
        values.update(
            idp_entity_id=idp.entity_id,
            idp_sso_url=idp.sso_url,
            idp_certificate=idp.certificate_pem,
        )
    values.update(fields)
    with scopes_disabled():
        return IdentityProvider.objects.create(organization=organization, **values)


def start(client: Client, slug: str) -> str:
    """Start a sign-in at Hindsight: the IdP URL the browser is sent to."""
    response = client.post(f"/accounts/saml/{slug}/login/")
    assert response.status_code == 302, response.content[:500]
    return response.headers["Location"]


def at_idp(client: Client, idp: SamlIdentityProvider, slug: str) -> PostedForm:
    """Start a sign-in and go through the IdP: the form it answers with."""
    return idp.login(start(client, slug))


def post_answer(client: Client, action: str, data: dict):
    """Post an answer to the ACS as the browser would and follow to the finish."""
    response = client.post(action, data)
    assert response.status_code == 302, response.content[:500]
    return client.get(response.headers["Location"])


def sign_in(client: Client, idp: SamlIdentityProvider, slug: str):
    """A whole sign-in; the finish's response."""
    form = at_idp(client, idp, slug)
    return post_answer(client, form.action, form.data)


def membership_of(email: str, organization) -> Membership | None:
    with scopes_disabled():
        return Membership.objects.filter(organization=organization, user__email=email).first()


def refusals(organization) -> list[AuditEntry]:
    with scopes_disabled():
        return list(
            AuditEntry.objects.filter(organization=organization, action="sso.sign_in_refused")
        )
