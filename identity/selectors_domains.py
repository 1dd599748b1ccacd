"""Reads for email domains and for finding the identity provider a sign-in belongs to."""

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from organizations.models import Organization

from .domains import domain_of_email
from .models import EmailDomain, IdentityProvider, ProviderStatus

VERIFICATION_PREFIX = "hindsight-verification="


def domains_of(organization: Organization) -> QuerySet[EmailDomain]:
    return EmailDomain.objects.filter(organization=organization).order_by("domain")


def domain_in(organization: Organization, domain_id: int) -> EmailDomain | None:
    """The organization's domain with that id; another organization's is ``None``."""
    return EmailDomain.objects.filter(organization=organization, pk=domain_id).first()


def verification_record(email_domain: EmailDomain) -> str:
    """The TXT record's value that proves the domain: ``hindsight-verification=<token>``."""
    return VERIFICATION_PREFIX + email_domain.verification_token


def verified_elsewhere(domain: str, organization: Organization) -> bool:
    """Is ``domain`` verified by an organization other than ``organization``? (Read across
    organizations: a domain has one verified owner.)"""
    with scopes_disabled():
        return (
            EmailDomain.objects.filter(domain=domain, verified_at__isnull=False)
            .exclude(organization=organization)
            .exists()
        )


def sso_anywhere() -> bool:
    """Does any organization sign people in through a live identity provider? (The sign-in page
    asks for an email first when one does.)"""
    with scopes_disabled():
        return IdentityProvider.objects.filter(status=ProviderStatus.LIVE).exists()


def provider_for_email(email: str) -> IdentityProvider | None:
    """The live identity provider of the organization that verified the email's domain (one
    query), or ``None``: a username, a domain nobody verified, or no live provider there."""
    domain = domain_of_email(email)
    if domain is None:
        return None
    with scopes_disabled():
        owners = EmailDomain.objects.filter(domain=domain, verified_at__isnull=False).values(
            "organization_id"
        )
        return (
            IdentityProvider.objects.filter(status=ProviderStatus.LIVE, organization__in=owners)
            .select_related("organization")
            .first()
        )


def live_provider_of(organization_slug: str) -> IdentityProvider | None:
    """The live identity provider of the organization with that slug (one query), or ``None``
    for an unknown slug and an organization without one alike."""
    with scopes_disabled():
        return (
            IdentityProvider.objects.filter(
                status=ProviderStatus.LIVE, organization__slug=organization_slug
            )
            .select_related("organization")
            .first()
        )
