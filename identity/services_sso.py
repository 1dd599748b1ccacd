"""Writes of a company sign-in: just-in-time membership, the admin's test round trip, and the
audit entries of refused sign-ins.

``admit`` is protocol-neutral: the OpenID Connect and the SAML sign-ins both end in it (through
``identity.adapters``), with the person the provider vouched for and their groups."""

import logging

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from organizations import audit
from organizations.models import Membership
from organizations.people import name_and_handle
from organizations.services_members import LastAdminError, member_role_change

from .models import IdentityProvider, ProviderStatus
from .selectors import mapped_role

logger = logging.getLogger(__name__)


def _details(provider: IdentityProvider, groups: list[str], **more) -> dict:
    return {"provider": provider.name, "groups": list(groups), **more}


def admit(
    *, provider: IdentityProvider, user: AbstractBaseUser, email: str, groups: list[str]
) -> Membership:
    """Let the person the provider signed in into its organization, with the role its groups
    give them, and return their membership.

    - ``provider``: the organization's identity provider that vouched for the person;
    - ``user``: the Hindsight user they signed in as (just created, linked or known);
    - ``email``: the address the provider gave (for the audit entry);
    - ``groups``: their groups at the provider (OIDC claim or SAML attribute
      ``provider.groups_claim``), as sent.

    Not yet a member: a membership with the mapped role (the highest role mapped to one of
    their groups, else the provider's default role), audited as ``sso.member_joined``. Already
    a member: the mapped role replaces theirs when it differs (``sso.role_changed``, through
    ``member_role_change``); the last admin is never demoted: the sign-in still succeeds and
    the refusal is audited (``sso.role_change_refused``). The actor of each entry is the person.
    """
    organization = provider.organization
    role = mapped_role(provider, groups)
    with scope(organization=organization):
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                organization=organization, user=user, defaults={"role": role}
            )
            if created:
                audit.record(
                    organization=organization,
                    actor=user,
                    action="sso.member_joined",
                    target=name_and_handle(user),
                    details=_details(provider, groups, role=role, email=email),
                )
                return membership
        if membership.role == role:
            return membership
        try:
            return member_role_change(
                membership=membership,
                role=role,
                actor=user,
                action="sso.role_changed",
                details=_details(provider, groups),
            )
        except LastAdminError:
            audit.record(
                organization=organization,
                actor=user,
                action="sso.role_change_refused",
                target=name_and_handle(user),
                details=_details(
                    provider, groups, role=[membership.role, role], reason="last admin"
                ),
            )
            membership.refresh_from_db()
            return membership


def email_confirm(*, user: AbstractBaseUser, email: str) -> None:
    """Remember that the identity provider verified the person's ``email`` (an existing account
    being linked to it): allauth then keeps the password the person already had."""
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def test_record(
    *, provider: IdentityProvider, actor: AbstractBaseUser, claims: dict, groups: list[str]
) -> IdentityProvider:
    """Keep what the provider sent in the admin's test round trip and mark the provider TESTED
    (a LIVE one stays LIVE). Nothing is created for the tested identity."""
    organization = provider.organization
    with scope(organization=organization), transaction.atomic():
        provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
        provider.test_result = {
            "claims": claims,
            "groups": groups,
            "role": mapped_role(provider, groups),
        }
        provider.tested_at = timezone.now()
        if provider.status == ProviderStatus.DRAFT:
            provider.status = ProviderStatus.TESTED
        provider.save(update_fields=["test_result", "tested_at", "status", "updated_at"])
        audit.record(
            organization=organization,
            actor=actor,
            action="sso.tested",
            target=provider.name,
            details={"subject": str(claims.get("sub") or claims.get("email") or "")},
        )
    return provider


def sign_in_refused(
    *,
    provider: IdentityProvider,
    reason: str,
    email: str = "",
    actor: AbstractBaseUser | None = None,
    test: bool = False,
) -> None:
    """Audit a sign-in the provider's organization did not let through (``reason``: plain
    words, never a secret or a token)."""
    details = {"provider": provider.name, "reason": reason}
    if email:
        details["email"] = email
    if test:
        details["test"] = True
    with scope(organization=provider.organization):
        audit.record(
            organization=provider.organization,
            actor=actor,
            action="sso.sign_in_refused",
            target=email or provider.name,
            details=details,
        )
    logger.info("Company sign-in refused for %s: %s", provider.organization.slug, reason)
