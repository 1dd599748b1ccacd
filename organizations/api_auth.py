"""API tokens at the door: find the request's token, and the pieces every API view is built from.

``TenantMiddleware`` calls ``resolve_bearer_token`` once per API request and, for a usable token,
holds the request inside the token's organization. ``BearerTokenAuthentication`` then hands DRF
the user the middleware found; it never authenticates on its own, so a view reached without the
middleware fails closed. Sessions are never accepted by the API: a browser that is signed in
still needs a token.
"""

from datetime import datetime, timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django_scopes import scopes_disabled
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from .models import ApiToken, Membership
from .services import hash_token

KEYWORD = "Bearer"
LAST_USED_PRECISION = timedelta(minutes=1)
REFUSED_CREDENTIALS_MESSAGE = (
    "Invalid token: it is unknown, expired or revoked, or its user is no longer a member."
)


def bearer_token_from(request: HttpRequest) -> str | None:
    """The plain token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, plain = request.headers.get("Authorization", "").strip().partition(" ")
    plain = plain.strip()
    if scheme.lower() != KEYWORD.lower() or not plain or " " in plain:
        return None
    return plain


def sends_bearer_token(request: HttpRequest) -> bool:
    scheme = request.headers.get("Authorization", "").strip().partition(" ")[0]
    return scheme.lower() == KEYWORD.lower()


def token_is_usable(token: ApiToken, now: datetime) -> bool:
    if token.revoked_at is not None:
        return False
    return token.expires_at is None or token.expires_at > now


def resolve_bearer_token(request: HttpRequest) -> tuple[ApiToken, Membership] | None:
    """The request's token and its user's current membership in the token's organization.

    None when there is no token, or it is unknown, expired, revoked, or its user is inactive or
    no longer a member. Runs before any organization is known, hence unscoped.
    """
    plain = bearer_token_from(request)
    if plain is None:
        return None
    now = timezone.now()
    with scopes_disabled():
        token = ApiToken.objects.filter(token_hash=hash_token(plain)).first()
        if token is None or not token_is_usable(token, now):
            return None
        membership = (
            Membership.objects.filter(user_id=token.user_id, organization_id=token.organization_id)
            .select_related("organization", "user")
            .first()
        )
        if membership is None or not membership.user.is_active:
            return None
        token.user = membership.user
        token.organization = membership.organization
        record_token_use(token, now)
    return token, membership


def record_token_use(token: ApiToken, now: datetime) -> None:
    """Move ``last_used_at`` forward, writing at most once a minute per token."""
    stale_before = now - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > stale_before:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before)
    ).update(last_used_at=now)
    token.last_used_at = now


class BearerTokenAuthentication(BaseAuthentication):
    """Returns ``(user, token)`` for the token ``TenantMiddleware`` resolved for this request."""

    def authenticate(self, request: Request) -> tuple | None:
        token = getattr(request._request, "api_token", None)
        if token is not None:
            return token.user, token
        if sends_bearer_token(request._request):
            raise exceptions.AuthenticationFailed(REFUSED_CREDENTIALS_MESSAGE)
        return None  # no credentials: the permission check answers 401

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD  # a WWW-Authenticate challenge makes DRF answer 401, not 403


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Shows the bearer token in the OpenAPI schema (and the Authorize button of the docs)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: `Authorization: Bearer hs_…`.",
        }
