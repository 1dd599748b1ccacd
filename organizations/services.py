"""Writes for organizations, memberships and teams."""

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from . import hooks
from .models import ApiToken, Counter, Membership, Organization, Team, TeamMember
from .roles import Role
from .selectors import counter_value

TOKEN_PREFIX = "hs_"  # noqa: S105 (a public marker, not a secret)


@transaction.atomic
def organization_create(
    *, name: str, slug: str, creator: AbstractBaseUser, time_zone: str = "UTC"
) -> Organization:
    """Create an organization; its creator becomes its first admin."""
    organization = Organization.objects.create(name=name, slug=slug, time_zone=time_zone)
    with scope(organization=organization):
        Membership.objects.create(organization=organization, user=creator, role=Role.ADMIN)
    return organization


def membership_set(
    *, organization: Organization, user: AbstractBaseUser, role: Role | str
) -> Membership:
    """Add the user to the organization with this role, or change their role."""
    with scope(organization=organization):
        membership, _ = Membership.objects.update_or_create(
            organization=organization, user=user, defaults={"role": role}
        )
    return membership


@transaction.atomic
def team_create(
    *, organization: Organization, name: str, members: list[AbstractBaseUser] = ()
) -> Team:
    with scope(organization=organization):
        team, _ = Team.objects.get_or_create(organization=organization, name=name)
        for user in members:
            TeamMember.objects.get_or_create(organization=organization, team=team, user=user)
    return team


def counter_bump(*, organization: Organization | int, name: str) -> None:
    """Add one to the organization's counter ``name``, creating it at 1 on first use.

    The one counter API: per-organization sequences (``next_number``) and the version numbers
    that make cached reads obsolete (``actionitems.tracker_cache``) both go through it. The
    UPDATE locks the counter row until the caller's transaction ends, so concurrent bumps are
    serialised, and readers see the new value exactly when the change commits."""
    organization_id = getattr(organization, "pk", organization)
    with scopes_disabled():
        counters = Counter.objects.filter(organization_id=organization_id, name=name)
        if not counters.update(value=F("value") + 1):
            _, created = Counter.objects.get_or_create(
                organization_id=organization_id, name=name, defaults={"value": 1}
            )
            if not created:  # created meanwhile by a concurrent transaction
                counters.update(value=F("value") + 1)


def next_number(*, organization: Organization, name: str) -> int:
    """The next value of a per-organization sequence, safe under concurrent transactions
    (``counter_bump`` keeps the row locked until the caller's transaction ends, so two
    callers never receive the same number). Call inside ``transaction.atomic``."""
    counter_bump(organization=organization, name=name)
    return counter_value(organization=organization, name=name)


def api_token_create(
    *,
    organization: Organization,
    user: AbstractBaseUser,
    name: str,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns it with the plain value, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with scope(organization=organization):
        token = ApiToken.objects.create(
            organization=organization,
            user=user,
            name=name,
            prefix=plain[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(plain),
            expires_at=expires_at,
        )
    return token, plain


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


# Fired by ``membership_remove`` before the membership goes, with ``organization`` and ``user``:
# the apps above revoke the per-document rights the member held there (postmortems: invited
# editor and assigned reviewer).
MEMBER_REMOVED = "organizations.member_removed"


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Take a member out of the organization. Every per-document right they held here goes in
    the same transaction (invited editor, assigned reviewer, team membership), so nothing
    lingers for the day they might be invited back."""
    organization, user = membership.organization, membership.user
    with scope(organization=organization):
        hooks.run(MEMBER_REMOVED, organization=organization, user=user)
        TeamMember.objects.filter(organization=organization, user=user).delete()
        ApiToken.objects.filter(organization=organization, user=user).delete()
        membership.delete()
