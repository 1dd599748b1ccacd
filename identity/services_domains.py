"""Email domains an organization claims and proves: by a DNS TXT record an admin creates, or by
its identity provider vouching for an address there. A domain has one verified owner; another
organization's claim on it is refused (and audited in the organization that tried)."""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope

from organizations import audit
from organizations.models import Organization

from . import dns_txt, selectors_domains
from .domains import domain_of_email, is_public_mail_domain
from .models import DomainProof, EmailDomain

TOKEN_BYTES = 16


class DomainRefused(Exception):
    """The organization may not claim this domain; the message says why, to the admin."""


@dataclass(frozen=True)
class DomainCheck:
    verified: bool
    message: str


def refused_elsewhere_message(domain: str) -> str:
    return f"{domain} is verified by another organization."


def domain_add(
    *, organization: Organization, actor: AbstractBaseUser | None, domain: str
) -> EmailDomain:
    """Claim ``domain`` (already normalized: ``domains.normalize_domain``), unverified, with a
    fresh token for its TXT record. ``DomainRefused`` for a public mail domain, one already on
    the organization's list, or one another organization verified (audited as
    ``sso.domain_refused``; nothing is created)."""
    if is_public_mail_domain(domain):
        raise DomainRefused(f"{domain} is a public mail domain: anyone can have an address there.")
    if selectors_domains.verified_elsewhere(domain, organization):
        _record_refusal(organization, actor, domain, proof=DomainProof.DNS)
        raise DomainRefused(refused_elsewhere_message(domain))
    try:
        with transaction.atomic():
            email_domain = EmailDomain.objects.create(
                organization=organization,
                domain=domain,
                verification_token=secrets.token_hex(TOKEN_BYTES),
            )
            audit.record(
                organization=organization, actor=actor, action="sso.domain_added", target=domain
            )
    except IntegrityError as exc:
        raise DomainRefused(f"{domain} is already on the list.") from exc
    return email_domain


def domain_check(*, email_domain: EmailDomain, actor: AbstractBaseUser | None) -> DomainCheck:
    """Look for the domain's TXT record now; verify the domain when it is there."""
    domain = email_domain.domain
    if email_domain.verified_at is not None:
        return DomainCheck(True, f"{domain} is verified.")
    expected = selectors_domains.verification_record(email_domain)
    try:
        records = dns_txt.txt_records(domain)
    except dns_txt.DnsLookupError as exc:
        return DomainCheck(False, f"{exc} Hindsight could not read the TXT records of {domain}.")
    if expected not in (record.strip() for record in records):
        return DomainCheck(
            False,
            f"No TXT record “{expected}” at {domain} yet. "
            "A new DNS record can take a while to appear; check again later.",
        )
    if not _mark_verified(email_domain, proof=DomainProof.DNS, actor=actor):
        return DomainCheck(False, refused_elsewhere_message(domain))
    return DomainCheck(True, f"{domain} is verified.")


@transaction.atomic
def domain_remove(*, email_domain: EmailDomain, actor: AbstractBaseUser | None) -> None:
    """Forget the domain: addresses there no longer lead to the organization's provider."""
    was_verified = email_domain.verified_at is not None
    audit.record(
        organization=email_domain.organization,
        actor=actor,
        action="sso.domain_removed",
        target=email_domain.domain,
        details={"verified": was_verified},
    )
    email_domain.delete()


def verify_domain_from_provider(*, organization: Organization, email: str) -> EmailDomain | None:
    """The organization's identity provider vouched for ``email`` (its ``email_verified`` is
    true, after a test connection or a sign-in): its domain becomes verified for the
    organization (``verified_by`` PROVIDER), added to the list when it was not on it.

    Returns the verified domain, or ``None`` when there is nothing to verify (no domain, a
    public mail domain) or it is refused because another organization verified it (audited as
    ``sso.domain_refused``). Call it only with an address the provider marked verified."""
    domain = domain_of_email(email)
    if domain is None or is_public_mail_domain(domain):
        return None
    with scope(organization=organization):
        email_domain = EmailDomain.objects.filter(organization=organization, domain=domain).first()
        if email_domain is not None and email_domain.verified_at is not None:
            return email_domain
        if email_domain is None:
            email_domain = EmailDomain(
                organization=organization,
                domain=domain,
                verification_token=secrets.token_hex(TOKEN_BYTES),
            )
        if not _mark_verified(email_domain, proof=DomainProof.PROVIDER, actor=None):
            return None
        return email_domain


def _mark_verified(
    email_domain: EmailDomain, *, proof: DomainProof, actor: AbstractBaseUser | None
) -> bool:
    """Verify the domain (saving it when new), audited; False (and the refusal audited) when
    another organization verified it first."""
    organization = email_domain.organization
    if selectors_domains.verified_elsewhere(email_domain.domain, organization):
        _record_refusal(organization, actor, email_domain.domain, proof=proof)
        return False
    try:
        with transaction.atomic():
            email_domain.verified_at = timezone.now()
            email_domain.verified_by = proof
            email_domain.save()
            audit.record(
                organization=organization,
                actor=actor,
                action="sso.domain_verified",
                target=email_domain.domain,
                details={"proof": DomainProof(proof).label},
            )
    except IntegrityError:  # another organization verified it a moment ago
        email_domain.verified_at, email_domain.verified_by = None, ""
        _record_refusal(organization, actor, email_domain.domain, proof=proof)
        return False
    return True


def _record_refusal(
    organization: Organization, actor: AbstractBaseUser | None, domain: str, *, proof: str
) -> None:
    audit.record(
        organization=organization,
        actor=actor,
        action="sso.domain_refused",
        target=domain,
        details={
            "reason": "verified by another organization",
            "proof": DomainProof(proof).label,
        },
    )
