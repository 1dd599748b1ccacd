"""Reads for company sign-in."""

from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from organizations.models import Organization

from .models import IdentityProvider, Protocol, ProviderStatus, SignInPolicy

# The session key under which an admin's "test connection" names the provider being tested:
# that provider signs in (for the test only) before it is live.
TESTING_PROVIDER_SESSION_KEY = "identity.testing_provider"
SAML_PROVIDER_PREFIX = "saml-"


def provider_for(organization: Organization) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(organization=organization).first()


def policy_for(organization: Organization) -> SignInPolicy:
    """The organization's sign-in policy (an unsaved default when it never set one)."""
    policy = SignInPolicy.objects.filter(organization=organization).first()
    return policy or SignInPolicy(organization=organization)


def usable_providers(
    *, testing_provider_id: int | None, protocol: str | None = None, slug: str | None = None
) -> QuerySet[IdentityProvider]:
    """Identity providers that may sign people in now: the live ones, and the one an admin is
    testing in this session. Read across organizations: sign-in happens before any is chosen."""
    usable = Q(status=ProviderStatus.LIVE)
    if testing_provider_id:
        usable |= Q(pk=testing_provider_id)
    with scopes_disabled():
        providers = IdentityProvider.objects.filter(usable).select_related("organization")
        if protocol:
            providers = providers.filter(protocol=protocol)
        if slug:
            providers = providers.filter(organization__slug=slug)
        return providers


def allauth_provider_key(provider: IdentityProvider) -> str:
    """The id allauth knows the provider by (in its URLs and on social accounts):
    ``/accounts/oidc/<slug>/…`` for OIDC; ``saml-<slug>`` for SAML, whose URLs are
    ``/accounts/saml/<slug>/…``."""
    slug = provider.organization.slug
    return slug if provider.protocol == Protocol.OIDC else SAML_PROVIDER_PREFIX + slug


def organization_of_provider_key(key: str) -> Organization | None:
    """The organization whose identity provider allauth knows as ``key``
    (``allauth_provider_key``)."""
    return Organization.objects.filter(slug=key.removeprefix(SAML_PROVIDER_PREFIX)).first()
