"""Reads for company sign-in."""

from django.db.models import Q, QuerySet
from django_scopes import scope, scopes_disabled

from organizations.models import Organization
from organizations.roles import ROLE_RANK

from .models import GroupRoleMapping, IdentityProvider, Protocol, ProviderStatus, SignInPolicy

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


def provider_of_key(key: str, *, testing_provider_id: int | None = None) -> IdentityProvider | None:
    """The usable identity provider allauth knows as ``key`` (``allauth_provider_key``)."""
    protocol = Protocol.SAML if key.startswith(SAML_PROVIDER_PREFIX) else Protocol.OIDC
    return (
        usable_providers(
            testing_provider_id=testing_provider_id,
            protocol=protocol,
            slug=key.removeprefix(SAML_PROVIDER_PREFIX),
        )
        .select_related("organization")
        .first()
    )


def group_mappings(provider: IdentityProvider) -> list[GroupRoleMapping]:
    with scope(organization=provider.organization):
        return list(
            GroupRoleMapping.objects.filter(organization=provider.organization, provider=provider)
        )


def mapped_role(provider: IdentityProvider, groups: list[str]) -> str:
    """The role the provider's groups give: the highest role mapped to one of ``groups``, else
    the provider's default role."""
    wanted = set(groups)
    roles = [mapping.role for mapping in group_mappings(provider) if mapping.group in wanted]
    if not roles:
        return provider.default_role
    return max(roles, key=lambda role: ROLE_RANK[role])


def test_claims(provider: IdentityProvider | None) -> list[tuple[str, str]]:
    """What the provider sent in the last test round trip, as (claim, value in words) rows."""
    claims = ((provider.test_result or {}).get("claims") or {}) if provider else {}

    def shown(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | tuple):
            return ", ".join(map(str, value)) or "(none)"
        return str(value)

    return [(name, shown(value)) for name, value in sorted(claims.items())]
