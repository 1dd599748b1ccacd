"""Rows the routing tests (and the sign-in browser tests) start from: identity providers and
email domains, written as an admin's settings would leave them."""

import secrets

from django.utils import timezone
from django_scopes import scopes_disabled

from identity.models import (
    DomainProof,
    EmailDomain,
    IdentityProvider,
    Protocol,
    ProviderStatus,
)

ACME_CLIENT_ID = "hindsight-acme"
ACME_CLIENT_SECRET = "acme-client-secret-42"
ACME_CALLBACK = "http://testserver/accounts/oidc/acme/login/callback/"


def email_domain(organization, domain, *, verified=True) -> EmailDomain:
    with scopes_disabled():
        return EmailDomain.objects.create(
            organization=organization,
            domain=domain,
            verification_token=secrets.token_hex(16),
            verified_at=timezone.now() if verified else None,
            verified_by=DomainProof.DNS if verified else "",
        )


def oidc_identity_provider(organization, issuer, *, status=ProviderStatus.LIVE, **fields):
    with scopes_disabled():
        return IdentityProvider.objects.create(
            organization=organization,
            protocol=Protocol.OIDC,
            name=f"{organization.name} SSO",
            status=status,
            issuer_url=issuer,
            client_id=fields.pop("client_id", ACME_CLIENT_ID),
            client_secret=fields.pop("client_secret", ACME_CLIENT_SECRET),
            **fields,
        )


def saml_identity_provider(organization, *, status=ProviderStatus.LIVE, **fields):
    """A SAML provider: by ``idp_metadata_url``, or by entity id, SSO URL and certificate."""
    with scopes_disabled():
        return IdentityProvider.objects.create(
            organization=organization,
            protocol=Protocol.SAML,
            name=fields.pop("name", f"{organization.name} SAML"),
            status=status,
            **fields,
        )
