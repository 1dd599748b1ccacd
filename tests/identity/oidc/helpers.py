"""The OpenID Connect sign-in round trip, played with the Django test client for Hindsight and
real HTTP for the provider (node-oidc-provider on loopback)."""

import urllib.parse

from identity.models import IdentityProvider, Protocol, ProviderStatus
from organizations.roles import Role

CLIENT_ID = "hindsight-acme"
CLIENT_SECRET = "s3cret-acme-7Qx"  # noqa: S105 - the test provider's client
CALLBACK = "http://testserver/accounts/oidc/acme/login/callback/"


def make_provider(org, idp, *, status=ProviderStatus.LIVE, **fields) -> IdentityProvider:
    values = {
        "protocol": Protocol.OIDC,
        "name": "Acme SSO",
        "status": status,
        "issuer_url": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": "openid email profile groups",
        "default_role": Role.VIEWER,
        **fields,
    }
    return IdentityProvider.objects.create(organization=org, **values)


def start_sign_in(client, slug="acme"):
    """Press the company sign-in button: allauth's login view answers with the provider's
    authorization URL."""
    response = client.post(f"/accounts/oidc/{slug}/login/")
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def come_back(client, url):
    """The browser arrives at Hindsight's callback (the URL the provider redirected to)."""
    parts = urllib.parse.urlsplit(url)
    return client.get(parts.path, dict(urllib.parse.parse_qsl(parts.query)))


def sign_in(client, idp, slug="acme"):
    """A whole company sign-in round trip through the real provider; returns the callback's
    response."""
    return come_back(client, idp.authorize(start_sign_in(client, slug)))


PAGE = "/o/acme/settings/sign-in/"


def form_data(idp, **overrides) -> dict:
    """The settings form as an admin fills it for the test provider, with an empty mapping."""
    data = {
        "protocol": "OIDC",
        "name": "Acme SSO",
        "default_role": Role.VIEWER,
        "groups_claim": "groups",
        "issuer_url": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": "openid email profile groups",
        "mappings-TOTAL_FORMS": "1",
        "mappings-INITIAL_FORMS": "0",
        "mappings-MIN_NUM_FORMS": "0",
        "mappings-MAX_NUM_FORMS": "100",
        "mappings-0-group": "",
        "mappings-0-role": "",
    }
    data.update(overrides)
    return data


def with_mappings(data: dict, rows: list[tuple[str, str]]) -> dict:
    data = dict(data)
    data["mappings-TOTAL_FORMS"] = str(len(rows))
    for index, (group, role) in enumerate(rows):
        data[f"mappings-{index}-group"] = group
        data[f"mappings-{index}-role"] = role
    return data
