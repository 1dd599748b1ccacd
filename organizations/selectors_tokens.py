"""Reads for the API tokens page."""

from django.db.models import QuerySet
from django.utils import timezone

from .models import ApiToken, Organization


def token_state(token: ApiToken, now=None) -> str:
    """``active``, ``expired`` or ``revoked``: what the list's badge says."""
    now = now or timezone.now()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def tokens_of(*, organization: Organization, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organization=organization, user=user).order_by(
        "revoked_at", "-created_at"
    )


def tokens_of_everyone(*, organization: Organization) -> QuerySet[ApiToken]:
    """Every member's tokens (the admin's view), newest first, with their owners."""
    return (
        ApiToken.objects.filter(organization=organization)
        .select_related("user")
        .order_by("revoked_at", "-created_at")
    )


def manageable_token(*, organization: Organization, membership, token_id: int) -> ApiToken | None:
    """The token if this member may revoke it: their own, or any in the organization for an
    admin. None otherwise (the view answers 404, as for a token that does not exist)."""
    from .roles import Action, can

    tokens = ApiToken.objects.filter(organization=organization, pk=token_id).select_related("user")
    if not can(membership, Action.MANAGE_MEMBERS):
        tokens = tokens.filter(user_id=membership.user_id)
    return tokens.first()
