"""Connecting Jira Cloud (Atlassian's OAuth 2.0 3LO) and Linear (a Linear OAuth2 application)
by the admin's consent instead of a pasted token, and keeping the access token fresh.

- Start: the admin's browser goes to the provider's consent page. ``state`` is a random value
  the admin's session keeps with the organization, the kind, the target and the Jira site it
  was asked for; Linear also gets a PKCE challenge (S256) whose verifier stays in the session
  (Atlassian documents no PKCE for 3LO).
- Finish: the provider sends the browser back to one callback address for every organization
  (an OAuth app registers its callback URL once), which hands over to the organization's own
  finish page. The state must be one this session started, for this organization and admin,
  at most ``STATE_MAX_AGE`` ago; it is used once. The code is exchanged for an access and a
  refresh token; for Jira, Atlassian's accessible resources give the site's cloud id and the
  API address becomes ``api.atlassian.com/ex/jira/<cloud id>``.
- Refresh: ``fresh_token`` renews an access token that expires within ``REFRESH_MARGIN``. Both
  providers rotate the refresh token (the one used stops working), so the connection's row is
  locked while one worker refreshes, and the others then read the new token.
- Every call has a timeout and its address is checked as the trackers' are (https, no private
  network unless listed in ``INTEGRATIONS_INSECURE_HOSTS``). No token or secret is logged or
  put in a message (oauthlib's debug lines, which print them, are off in the settings).
"""

import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests_oauthlib import OAuth2Session

from organizations.models import Organization
from organizations.site import absolute_url

from .connections import clean_target
from .models import TrackerAuth, TrackerConnection, TrackerKind
from .outbound import address_problem
from .remote import TrackerError
from .services_oauth import connection_oauth_save

TIMEOUT_SECONDS = 20.0
REFRESH_MARGIN = timedelta(seconds=60)
STATE_MAX_AGE_SECONDS = 600
SESSION_KEY = "tracker_oauth"
PENDING_KEPT = 5  # flows one session may have under way (tabs); the oldest is dropped
RETRY_SECONDS = 60
CLOUD_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class OAuthRefused(Exception):
    """The connection was not made, and why, in words for the admin (no secret in them)."""


@dataclass(frozen=True)
class Provider:
    kind: str
    name: str  # the provider as the admin knows it: "Atlassian", "Linear"
    label: str  # the button: "Connect Jira Cloud with Atlassian"
    settings_prefix: str  # JIRA → JIRA_OAUTH_CLIENT_ID, JIRA_OAUTH_CLIENT_SECRET
    url_prefix: str  # ATLASSIAN → ATLASSIAN_AUTHORIZE_URL, ATLASSIAN_TOKEN_URL, ATLASSIAN_API_URL
    scope: str
    authorize_parameters: tuple[tuple[str, str], ...]
    pkce: bool

    @property
    def client_id(self) -> str:
        return getattr(settings, f"{self.settings_prefix}_OAUTH_CLIENT_ID", "")

    @property
    def client_secret(self) -> str:
        return getattr(settings, f"{self.settings_prefix}_OAUTH_CLIENT_SECRET", "")

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def url(self, name: str) -> str:
        return getattr(settings, f"{self.url_prefix}_{name}_URL").rstrip("/")


PROVIDERS = {
    # https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/
    TrackerKind.JIRA_CLOUD: Provider(
        kind=TrackerKind.JIRA_CLOUD,
        name="Atlassian",
        label="Connect Jira Cloud with Atlassian",
        settings_prefix="JIRA",
        url_prefix="ATLASSIAN",
        scope="read:jira-work write:jira-work read:jira-user offline_access",
        authorize_parameters=(("audience", "api.atlassian.com"), ("prompt", "consent")),
        pkce=False,
    ),
    # https://linear.app/developers/oauth-2-0-authentication
    TrackerKind.LINEAR: Provider(
        kind=TrackerKind.LINEAR,
        name="Linear",
        label="Connect Linear with OAuth",
        settings_prefix="LINEAR",
        url_prefix="LINEAR",
        scope="read,write",
        authorize_parameters=(("actor", "user"),),
        pkce=True,
    ),
}


def configured_providers() -> list[Provider]:
    """The providers whose OAuth app this installation has (client id and secret set)."""
    return [provider for provider in PROVIDERS.values() if provider.configured]


def callback_url() -> str:
    return absolute_url(reverse("tracker_oauth_callback"))


# --- Start ------------------------------------------------------------------------------------


def clean_site(site: str) -> str:
    """The Jira site's address as ``https://host`` (``acme.atlassian.net`` is enough), or ""."""
    site = site.strip()
    if not site:
        return ""
    if "://" not in site:
        site = f"https://{site}"
    problem = ValidationError({"site": "Enter your Jira site's address, e.g. acme.atlassian.net."})
    try:
        parts = urlsplit(site)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise problem from None
    if parts.scheme != "https" or "." not in host or parts.username:
        raise problem
    return f"https://{host}" + (f":{port}" if port else "")


def oauth_start(
    request: HttpRequest, organization: Organization, kind: str, target: str, site: str = ""
) -> str:
    """The provider's consent page to send the admin's browser to, to connect ``kind`` with
    items going to ``target`` (and, for Jira, the site at ``site`` when the account has
    several). Bad input is a ``ValidationError`` naming the field."""
    provider = PROVIDERS.get(kind)
    if provider is None or not provider.configured:
        raise ValidationError({"kind": "This tracker does not connect with OAuth here."})
    target = clean_target(kind, target)
    site = clean_site(site) if kind == TrackerKind.JIRA_CLOUD else ""
    state = secrets.token_urlsafe(32)
    client = WebApplicationClient(provider.client_id)
    extra = dict(provider.authorize_parameters)
    pending = {
        "organization": organization.pk,
        "user": request.user.pk,
        "kind": kind,
        "target": target,
        "site": site,
        "started": time.time(),
    }
    if provider.pkce:
        verifier = client.create_code_verifier(length=64)
        extra |= {
            "code_challenge": client.create_code_challenge(verifier, "S256"),
            "code_challenge_method": "S256",
        }
        pending["verifier"] = verifier
    session = OAuth2Session(
        client=client, redirect_uri=callback_url(), scope=provider.scope, state=state
    )
    url, _ = session.authorization_url(provider.url("AUTHORIZE"), **extra)
    _remember(request, state, pending)
    return url


def _remember(request: HttpRequest, state: str, pending: dict) -> None:
    flows = {
        key: flow
        for key, flow in request.session.get(SESSION_KEY, {}).items()
        if not _expired(flow)
    }
    flows[state] = pending
    request.session[SESSION_KEY] = dict(list(flows.items())[-PENDING_KEPT:])


def _expired(flow: dict) -> bool:
    return time.time() - float(flow.get("started", 0)) > STATE_MAX_AGE_SECONDS


def pending_organization(request: HttpRequest, state: str) -> int | None:
    """The organization (id) this session started the flow of ``state`` for, or None."""
    flow = request.session.get(SESSION_KEY, {}).get(state)
    if not isinstance(flow, dict) or _expired(flow):
        return None
    return flow.get("organization")


def _take(request: HttpRequest, state: str) -> dict | None:
    """The flow of ``state``, removed from the session (a state is used once)."""
    flows = dict(request.session.get(SESSION_KEY, {}))
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_KEY] = flows
    return flow if isinstance(flow, dict) and not _expired(flow) else None


# --- Finish -----------------------------------------------------------------------------------


def oauth_finish(
    request: HttpRequest, organization: Organization, code: str, state: str, error: str = ""
) -> TrackerConnection:
    """Exchange the provider's ``code`` for tokens and save the connection (auth OAuth), if
    ``state`` is a flow this session started for ``organization`` and its admin. Otherwise,
    or when the admin refused (``error``, e.g. ``access_denied``) or the provider did not
    answer as documented, ``OAuthRefused`` says why and nothing is saved."""
    flow = _take(request, state)
    if flow is None or flow["organization"] != organization.pk or flow["user"] != request.user.pk:
        raise OAuthRefused(
            "That connection attempt expired or was not started from this page: connect again."
        )
    provider = PROVIDERS[flow["kind"]]
    if error:
        what = "refused access" if error == "access_denied" else "did not grant access"
        raise OAuthRefused(f"{provider.name} {what}: nothing changed.")
    if not code:
        raise OAuthRefused(f"{provider.name} sent no authorization: connect again.")
    token = _exchange(provider, code, flow.get("verifier"))
    username = ""
    if provider.kind == TrackerKind.JIRA_CLOUD:
        cloud_id, username = _jira_site(provider, token["access_token"], flow["site"])
        base_url = f"{provider.url('API')}/ex/jira/{cloud_id}"
    else:
        base_url = provider.url("API")
    return _save(request.user, organization, flow, token, base_url=base_url, username=username)


def _save(
    actor: AbstractBaseUser,
    organization: Organization,
    flow: dict,
    token: dict,
    *,
    base_url: str,
    username: str,
) -> TrackerConnection:
    try:
        return connection_oauth_save(
            organization=organization,
            actor=actor,
            kind=flow["kind"],
            target=flow["target"],
            base_url=base_url,
            username=username,
            token=str(token["access_token"]),
            refresh_token=str(token.get("refresh_token") or ""),
            expires_at=_expires_at(token),
        )
    except ValidationError as error:
        raise OAuthRefused(" ".join(error.messages)) from None


def _session(provider: Provider, redirect_uri: str | None = None) -> OAuth2Session:
    """A session without a scope: Linear asks for ``read,write`` and answers ``read write``,
    which oauthlib would take for a changed scope."""
    return OAuth2Session(client=WebApplicationClient(provider.client_id), redirect_uri=redirect_uri)


def _checked(provider: Provider, url: str) -> str:
    if problem := address_problem(url):
        raise TrackerError(f"Hindsight does not call {provider.name} there: {problem}")
    return url


# what can go wrong asking a token endpoint: its refusal, the network, an answer that is not a
# token (oauthlib raises a bare Warning for a changed scope)
EXCHANGE_ERRORS = (OAuth2Error, requests.RequestException, ValueError, TypeError, Warning)


def _exchange(provider: Provider, code: str, verifier: str | None) -> dict:
    session = _session(provider, redirect_uri=callback_url())
    extra = {"code_verifier": verifier} if verifier else {}
    try:
        token = session.fetch_token(
            _checked(provider, provider.url("TOKEN")),
            code=code,
            client_secret=provider.client_secret,
            include_client_id=True,
            timeout=TIMEOUT_SECONDS,
            **extra,
        )
    except TrackerError as error:
        raise OAuthRefused(str(error)) from None
    except OAuth2Error as error:
        raise OAuthRefused(
            f"{provider.name} refused the authorization ({error.error[:40]}): connect again."
        ) from None
    except EXCHANGE_ERRORS:
        raise OAuthRefused(f"{provider.name} could not be asked for a token: try again.") from None
    if not token.get("access_token"):
        raise OAuthRefused(f"{provider.name} answered without a token: try again.")
    return token


def _expires_at(token: dict) -> datetime | None:
    try:
        seconds = float(token["expires_in"])
    except (KeyError, TypeError, ValueError):
        return None
    return timezone.now() + timedelta(seconds=seconds)


def _jira_site(provider: Provider, access_token: str, site: str) -> tuple[str, str]:
    """The cloud id and address of the Jira site the token reaches: the one at ``site``, or
    the only one. Several and none asked for, or not the one asked for: the admin is told
    which sites Atlassian granted."""
    url = f"{provider.url('API')}/oauth/token/accessible-resources"
    try:
        response = requests.get(
            _checked(provider, url),
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        resources = [
            (str(row["id"]), str(row["url"]).rstrip("/").lower())
            for row in response.json()
            if "jira" in " ".join(row.get("scopes") or ["jira"])
        ]
    except TrackerError as error:
        raise OAuthRefused(str(error)) from None
    except (requests.RequestException, ValueError, TypeError, KeyError, AttributeError):
        raise OAuthRefused(
            "Atlassian did not say which Jira sites it granted: try again."
        ) from None
    resources = [row for row in resources if CLOUD_ID.match(row[0])]
    chosen = [row for row in resources if row[1] == site] if site else resources
    if len(chosen) == 1:
        return chosen[0]
    if not resources:
        raise OAuthRefused("Atlassian granted access to no Jira site: connect again.")
    granted = ", ".join(address for _, address in resources[:10])
    if site:
        raise OAuthRefused(
            f"Atlassian granted {granted}, not {site}: connect again and choose {site}."
        )
    raise OAuthRefused(
        f"Atlassian granted several Jira sites ({granted}): connect again with the site's "
        "address filled in."
    )


# --- Fresh tokens ------------------------------------------------------------------------------


def _expiring(connection: TrackerConnection) -> bool:
    expires_at = connection.token_expires_at
    return expires_at is not None and expires_at - timezone.now() <= REFRESH_MARGIN


def fresh_token(connection: TrackerConnection) -> str:
    """The connection's access token, renewed first when it is an OAuth token expiring within
    ``REFRESH_MARGIN`` (the rotated refresh token is saved). Another worker refreshing at the
    same time waits for the row, then takes the token that one saved.

    Call it outside a transaction that may roll back: a rolled-back refresh loses the new
    refresh token while the provider has already retired the old one.

    A refused refresh (revoked, expired, the app uninstalled) is a ``TrackerError`` on the
    ``token`` field asking for a reconnection; a provider that cannot be reached, one with
    ``retry_after``."""
    if connection.auth != TrackerAuth.OAUTH or not _expiring(connection):
        return connection.token
    with scope(organization=connection.organization_id), transaction.atomic():
        row = TrackerConnection.objects.select_for_update().get(
            organization_id=connection.organization_id, pk=connection.pk
        )
        if _expiring(row):
            _refresh(row)
    connection.token = row.token
    connection.refresh_token = row.refresh_token
    connection.token_expires_at = row.token_expires_at
    return row.token


def _refresh(row: TrackerConnection) -> None:
    provider = PROVIDERS.get(row.kind)
    tracker = TrackerKind(row.kind).label
    reconnect = (
        f"{tracker} no longer accepts Hindsight's authorization (revoked or expired): "
        "reconnect in the settings."
    )
    if provider is None or not row.refresh_token:
        raise TrackerError(reconnect, field="token")
    try:
        token = _session(provider).refresh_token(
            _checked(provider, provider.url("TOKEN")),
            refresh_token=row.refresh_token,
            timeout=TIMEOUT_SECONDS,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
        )
    except OAuth2Error as error:
        if error.error in ("invalid_grant", "invalid_client", "unauthorized_client"):
            raise TrackerError(reconnect, field="token") from None
        raise TrackerError(
            f"{provider.name} did not renew the token ({error.error[:40]}).",
            retry_after=RETRY_SECONDS,
        ) from None
    except EXCHANGE_ERRORS:
        raise TrackerError(
            f"{provider.name} could not be asked to renew the token.", retry_after=RETRY_SECONDS
        ) from None
    if not token.get("access_token"):
        raise TrackerError(
            f"{provider.name} renewed the token without a token.", retry_after=RETRY_SECONDS
        )
    row.token = str(token["access_token"])
    row.refresh_token = str(token.get("refresh_token") or row.refresh_token)
    row.token_expires_at = _expires_at(token)
    row.save(update_fields=["token", "refresh_token", "token_expires_at", "updated_at"])
