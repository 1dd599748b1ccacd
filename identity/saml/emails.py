"""Which email addresses from a SAML answer Hindsight trusts.

SAML has no standard "email verified" statement, and the IdP an organization's admin
configures could assert any address, including one at another company. So an address from a
SAML answer counts as verified only when its domain is one the provider's own organization has
verified (``EmailDomain.verified_at``, by DNS or by a provider's verified email). A verified
address signs in to the existing Hindsight account that has it (allauth's email
authentication); an unverified one never links to an existing account: the sign-in is refused
when the address is taken (``identity.sso_login.before_login``), and a new person gets a new
account.

This is decided before allauth looks the person up (the view calls ``trust``), because allauth
looks for an existing account by verified email before its ``pre_social_login`` hook runs."""

from allauth.socialaccount.models import SocialLogin
from django_scopes import scope

from ..domains import domain_of_email
from ..models import EmailDomain, IdentityProvider


def trust(login: SocialLogin, provider: IdentityProvider) -> None:
    """Mark the answer's addresses verified or not, by Hindsight's rule (never the IdP's)."""
    domains = verified_domains(provider)
    for address in login.email_addresses:
        address.verified = domain_of_email(address.email) in domains


def verified_domains(provider: IdentityProvider) -> set[str]:
    organization = provider.organization
    with scope(organization=organization):
        found = EmailDomain.objects.filter(
            organization=organization, verified_at__isnull=False
        ).values_list("domain", flat=True)
        return set(found)  # stored normalized (lower case, punycode)
