"""The organization's provisioning (SCIM) bearer token: issuing, revoking, and finding the
organization a request's token belongs to.

Only a SHA-256 hash of a token is stored, as for API tokens: nothing can read it back, so a lost
token is replaced, never shown again."""

import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from organizations import audit
from organizations.api_auth import bearer_token_from
from organizations.models import Organization
from organizations.services import hash_token

from ..models import ScimToken

TOKEN_PREFIX = "hs_scim_"  # noqa: S105 (a public marker, not a secret)
LAST_USED_PRECISION = timedelta(minutes=1)


def active_token(organization: Organization) -> ScimToken | None:
    """The organization's usable token (there is at most one)."""
    return ScimToken.objects.filter(organization=organization, revoked_at__isnull=True).first()


def actor_name(token: ScimToken) -> str:
    """How the audit log names the provisioning client acting with ``token``."""
    return f"SCIM ({token.prefix}…)"


@transaction.atomic
def token_issue(*, organization: Organization, actor: AbstractBaseUser) -> tuple[ScimToken, str]:
    """A new token for the organization, replacing (revoking) the one it had; returns the row
    and the plain token, which is never available again."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with scope(organization=organization):
        for old in ScimToken.objects.select_for_update().filter(
            organization=organization, revoked_at__isnull=True
        ):
            _revoke(old, actor=actor, replaced=True)
        token = ScimToken.objects.create(
            organization=organization,
            prefix=plain[: len(TOKEN_PREFIX) + 4],
            token_hash=hash_token(plain),
            created_by=actor,
        )
        audit.record(
            organization=organization,
            actor=actor,
            action="scim.token_created",
            target=f"{token.prefix}…",
        )
    return token, plain


@transaction.atomic
def token_revoke(*, organization: Organization, actor: AbstractBaseUser) -> bool:
    """Revoke the organization's token: provisioning requests then get 401. False when it had
    none."""
    with scope(organization=organization):
        token = (
            ScimToken.objects.select_for_update()
            .filter(organization=organization, revoked_at__isnull=True)
            .first()
        )
        if token is None:
            return False
        _revoke(token, actor=actor)
    return True


def _revoke(token: ScimToken, *, actor: AbstractBaseUser, replaced: bool = False) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        organization=token.organization,
        actor=actor,
        action="scim.token_revoked",
        target=f"{token.prefix}…",
        details={"replaced": True} if replaced else None,
    )


def resolve_scim_token(request: HttpRequest) -> ScimToken | None:
    """The usable token of the request's ``Authorization: Bearer`` header, with its
    organization; None when there is none, or it is unknown or revoked. Looked up by its hash
    (a unique index: no timing to compare), before any organization is known, hence unscoped."""
    plain = bearer_token_from(request)
    if plain is None:
        return None
    with scopes_disabled():
        token = (
            ScimToken.objects.filter(token_hash=hash_token(plain), revoked_at__isnull=True)
            .select_related("organization")
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
            ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token
