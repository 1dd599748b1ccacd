"""The write behind an OAuth connection (``oauth.oauth_finish``): the tracker's connection with
the access token, the refresh token and the access token's expiry the provider granted."""

from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from organizations.models import Organization

from . import selectors
from .connections import clean_target, connection_store
from .models import TrackerAuth, TrackerConnection, TrackerKind
from .outbound import address_problem

OAUTH_KINDS = (TrackerKind.JIRA_CLOUD, TrackerKind.LINEAR)


@transaction.atomic
def connection_oauth_save(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    kind: str,
    target: str,
    base_url: str,
    token: str,
    refresh_token: str,
    expires_at: datetime | None,
    username: str = "",
) -> TrackerConnection:
    """Connect ``kind`` with the tokens an OAuth consent gave (over a token connection of the
    same kind, whose mappings and routes stay). ``username``: Jira's site address, for
    the tickets' links (the API is reached through ``base_url`` on api.atlassian.com). The
    first connection of an organization receives the items no route sends elsewhere."""
    if kind not in OAUTH_KINDS:
        raise ValidationError({"kind": "Only Jira Cloud and Linear connect with OAuth."})
    target = clean_target(kind, target)
    if not token.strip():
        raise ValidationError({"token": "The provider granted no access token."})
    if problem := address_problem(base_url):
        raise ValidationError({"base_url": problem})
    connection = selectors.connection_for(organization, kind) or TrackerConnection(
        organization=organization, kind=kind
    )
    connection.auth = TrackerAuth.OAUTH
    connection.base_url = base_url.rstrip("/")
    connection.target, connection.username = target, username.strip()
    connection.token, connection.refresh_token = token.strip(), refresh_token.strip()
    connection.token_expires_at = expires_at
    connection.installation_id = ""
    connection.check_ok, connection.check_result, connection.checked_at = False, "", None
    return connection_store(
        connection,
        actor=actor,
        is_default=None,
        details={"token_changed": True, "auth": TrackerAuth.OAUTH.value},
    )
