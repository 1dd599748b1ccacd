"""API tokens as members manage them in the settings area (issued, revoked, each one audited)."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from . import audit
from .models import ApiToken, Organization
from .services import api_token_create, api_token_revoke


@transaction.atomic
def api_token_issue(
    *,
    organization: Organization,
    actor: AbstractBaseUser,
    name: str,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for the actor; returns it with the plain value (shown once, never stored)."""
    token, plain = api_token_create(
        organization=organization, user=actor, name=name, expires_at=expires_at
    )
    audit.record(
        organization=organization,
        actor=actor,
        action="token.created",
        target=f"{token.name} ({token.prefix}…)",
        details={"expires": expires_at.date().isoformat() if expires_at else "never"},
    )
    return token, plain


@transaction.atomic
def api_token_withdraw(*, token: ApiToken, actor: AbstractBaseUser) -> bool:
    """Revoke a token (its owner's or, for admins, anyone's). False when it already was."""
    if token.revoked_at is not None:
        return False
    api_token_revoke(token=token)
    owner = token.user.get_username()
    audit.record(
        organization=token.organization,
        actor=actor,
        action="token.revoked",
        target=f"{token.name} ({token.prefix}…) of {owner}",
    )
    return True
