"""Writes for the trackers' connections (admins): the connection itself (address,
credential, target, mappings; a token, a GitHub App installation, or an OAuth grant kept as
it is), its routes by team or service, "Test connection" (the one call to a tracker a person
waits for) and an on-demand reconciliation."""

import re

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import Service
from organizations.audit import record
from organizations.models import Organization, Team

from . import selectors
from .models import (
    DEFAULT_BASE_URLS,
    TrackerAuth,
    TrackerConnection,
    TrackerKind,
    TrackerTarget,
)
from .outbound import address_problem
from .remote import OUTCOMES, TrackerError

TARGETS = {
    TrackerKind.GITHUB: (
        re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"),
        "Enter the repository as owner/name, e.g. acme/api.",
    ),
    TrackerKind.JIRA_CLOUD: (
        re.compile(r"^[A-Z][A-Z0-9_]{0,9}$"),
        "Enter the Jira project's key in capitals, e.g. OPS.",
    ),
    TrackerKind.JIRA_DC: (
        re.compile(r"^[A-Z][A-Z0-9_]{0,9}$"),
        "Enter the Jira project's key in capitals, e.g. OPS.",
    ),
    TrackerKind.LINEAR: (
        re.compile(r"^[A-Z0-9]{1,7}$"),
        "Enter the Linear team's key in capitals, e.g. ENG.",
    ),
}
CREDENTIAL_HELP = {
    TrackerKind.GITHUB: "Enter a fine-grained personal access token.",
    TrackerKind.JIRA_CLOUD: "Enter an API token of the account above.",
    TrackerKind.JIRA_DC: "Enter a personal access token.",
    TrackerKind.LINEAR: "Enter a Linear API key.",
}


def clean_target(kind: str, value: str, *, field: str = "target") -> str:
    value = value.strip()
    if kind == TrackerKind.GITHUB:
        value = value.removeprefix("https://github.com/").strip("/")
    else:
        value = value.upper()
    pattern, help_text = TARGETS[kind]
    if not pattern.match(value):
        raise ValidationError({field: help_text})
    return value


def clean_repository(value: str, *, field: str = "target") -> str:
    return clean_target(TrackerKind.GITHUB, value, field=field)


def parse_status_map(text: str) -> dict[str, str]:
    """Lines of ``status name = open | done | wont_do`` → the mapping (names in lower case);
    a bad line is a 400 naming the field and the line."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sign, outcome = line.partition("=")
        outcome = outcome.strip().lower().replace("'", "").replace(" ", "_").replace("-", "_")
        if not sign or not name.strip() or outcome not in OUTCOMES:
            raise ValidationError(
                {
                    "status_map": f"Line {number}: write “status name = open”, “= done” or "
                    "“= wont_do”."
                }
            )
        mapping[name.strip().lower()[:100]] = outcome
    return mapping


# --- The connection (admins) -------------------------------------------------------------------


@transaction.atomic
def connection_save(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    target: str,
    kind: str = TrackerKind.GITHUB,
    base_url: str = "",
    token: str = "",
    username: str = "",
    app_id: str = "",
    installation_id: str = "",
    status_map: dict[str, str] | None = None,
    field_map: dict | None = None,
    is_default: bool | None = None,
    create_on_publish: bool | None = None,
) -> TrackerConnection:
    """Set a tracker connection's address, credential, default target and mappings. An
    empty ``token`` keeps the stored one (it is never shown again). GitHub with ``app_id``
    and ``installation_id`` is a GitHub App installation (``token`` its private key). A
    connection made by OAuth keeps its address and account until a token is pasted instead.
    The first connection of an organization, or one saved as default, receives the items no
    route sends elsewhere."""
    if kind not in TrackerKind.values:
        raise ValidationError({"kind": "Choose GitHub, Jira Cloud, Jira Data Center or Linear."})
    target = clean_target(kind, target)
    connection = selectors.connection_for(organization, kind) or TrackerConnection(
        organization=organization, kind=kind
    )
    token = token.strip()
    if connection.auth != TrackerAuth.OAUTH or token:
        _set_account(connection, kind, base_url=base_url, username=username)
    connection.target = target
    if kind == TrackerKind.GITHUB:
        token = _set_github_auth(connection, app_id, installation_id, token)
    if status_map is not None:
        connection.status_map = status_map
    if field_map is not None:
        connection.field_map = field_map
    if create_on_publish is not None:
        connection.create_on_publish = create_on_publish
    if token:
        connection.token = token
        if connection.auth == TrackerAuth.OAUTH:
            connection.auth = TrackerAuth.TOKEN
        connection.refresh_token, connection.token_expires_at = "", None
        connection.check_ok, connection.check_result, connection.checked_at = False, "", None
    if not connection.token:
        raise ValidationError({"token": CREDENTIAL_HELP[kind]})
    if field_map:
        _check_field_map(connection)
    return connection_store(
        connection, actor=actor, is_default=is_default, details={"token_changed": bool(token)}
    )


def _set_account(connection: TrackerConnection, kind: str, *, base_url: str, username: str) -> None:
    if kind == TrackerKind.JIRA_CLOUD and "@" not in username:
        raise ValidationError({"username": "Enter the email address of the token's account."})
    base_url = (base_url or DEFAULT_BASE_URLS.get(kind, "")).strip()
    if not base_url:
        raise ValidationError({"base_url": "Enter your Jira site's address."})
    if problem := address_problem(base_url):
        raise ValidationError({"base_url": problem})
    connection.base_url = base_url.rstrip("/")
    if kind != TrackerKind.GITHUB:
        connection.username = username.strip()


def _set_github_auth(
    connection: TrackerConnection, app_id: str, installation_id: str, token: str
) -> str:
    """A fine-grained token, or a GitHub App installation when its ids are given (its
    private key pasted as ``token``, line breaks restored when the browser dropped them).
    Answers the credential to store ("" keeps the stored one)."""
    app_id, installation_id = app_id.strip(), installation_id.strip()
    if not app_id and not installation_id:
        if connection.auth == TrackerAuth.GITHUB_APP and not token:
            raise ValidationError(
                {"token": "Enter a fine-grained token to use instead of the app."}
            )
        connection.auth, connection.username, connection.installation_id = TrackerAuth.TOKEN, "", ""
        return token
    for name, value in (("app_id", app_id), ("installation_id", installation_id)):
        if not value.isdigit():
            raise ValidationError({name: "Enter the number GitHub shows for it."})
    if connection.auth != TrackerAuth.GITHUB_APP and not token:
        raise ValidationError({"token": "Paste the GitHub App's private key (.pem)."})
    if token:
        token = pem_of(token)
    connection.auth = TrackerAuth.GITHUB_APP
    connection.username, connection.installation_id = app_id, installation_id
    return token


PEM = re.compile(r"^-----BEGIN ([A-Z ]*PRIVATE KEY)-----(.+?)-----END \1-----$", re.S)


def pem_of(text: str) -> str:
    """A private key as PEM, its lines restored (a password field joins them into one)."""
    found = PEM.match(text.strip())
    if found is None:
        raise ValidationError({"token": "Paste the GitHub App's private key (.pem)."})
    body = "".join(found.group(2).split())
    lines = [body[start : start + 64] for start in range(0, len(body), 64)]
    label = found.group(1)
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


def connection_store(
    connection: TrackerConnection,
    *,
    actor: AbstractBaseUser | None,
    is_default: bool | None,
    details: dict,
) -> TrackerConnection:
    """Save a connection made ready by its caller, audited. The organization's first one, or
    one saved as default, becomes the default (the others stop being it); ``is_default`` None
    keeps what it was."""
    organization = connection.organization
    others = TrackerConnection.objects.filter(organization=organization).exclude(pk=connection.pk)
    if is_default or not others.exists():
        others.update(is_default=False)
        connection.is_default = True
    elif is_default is False:
        connection.is_default = False
    connection.save()
    connections_changed(organization)
    record(
        organization=organization,
        actor=actor,
        action="integration.tracker_saved",
        target=f"{connection.get_kind_display()} {connection.target}",
        details=details,
    )
    return connection


def connections_changed(organization: Organization) -> None:
    """A connection was made or removed: the pages stop taking the organization for one with
    (or without) a tracker, now and again once the change is committed (a page that read the
    connections in between may have remembered the old answer)."""
    selectors.forget_connected(organization)
    transaction.on_commit(lambda: selectors.forget_connected(organization), robust=True)


JIRA_KINDS = (TrackerKind.JIRA_CLOUD, TrackerKind.JIRA_DC)


def _check_field_map(connection: TrackerConnection) -> None:
    """A Jira field mapping, against each mapped project's create metadata (the fields its
    create screen has and requires): every problem is a 400 on ``field_map``. Jira is asked
    only when there is a mapping to check."""
    if connection.kind not in JIRA_KINDS:
        raise ValidationError({"field_map": "Only Jira projects have a field mapping."})
    from .clients import client_for  # the clients read connections this module saves

    problems: list[str] = []
    try:
        client = client_for(connection)
        for project, mapping in connection.field_map.items():
            problems += client.validate_field_map(project, mapping)
    except TrackerError as error:
        problems.append(f"Could not check the mapping with Jira: {error}")
    if problems:
        raise ValidationError({"field_map": problems})


@transaction.atomic
def connection_delete(*, connection: TrackerConnection, actor: AbstractBaseUser | None) -> None:
    """Disconnect: the items keep their ticket addresses; their links and sync history go."""
    record(
        organization=connection.organization,
        actor=actor,
        action="integration.tracker_removed",
        target=str(connection),
    )
    was_default = connection.is_default
    organization = connection.organization
    connection.delete()
    connections_changed(organization)
    if was_default:
        successor = TrackerConnection.objects.filter(organization=organization).first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


@transaction.atomic
def route_save(
    *,
    connection: TrackerConnection,
    actor: AbstractBaseUser | None,
    target: str,
    team: Team | None = None,
    service: Service | None = None,
) -> TrackerTarget:
    """Send the items of ``team``'s postmortems, or of the postmortems of ``service``'s
    incidents (exactly one of them), to ``target`` on ``connection`` instead of the default.
    A team or service has one route: saving another replaces it."""
    if team is None and service is None:
        raise ValidationError({"team": "Choose a team or a service."})
    if team is not None and service is not None:
        raise ValidationError({"service": "Choose a team or a service, not both."})
    field, owner = ("team", team) if team is not None else ("service", service)
    if owner.organization_id != connection.organization_id:
        raise ValidationError({field: f"Choose one of this organization's {field}s."})
    target = clean_target(connection.kind, target)
    row, _ = TrackerTarget.objects.update_or_create(
        organization=connection.organization,
        team=team,
        service=service,
        defaults={"target": target, "connection": connection},
    )
    record(
        organization=connection.organization,
        actor=actor,
        action="integration.tracker_target_saved",
        target=f"{row.kind} {owner.name} → {connection.get_kind_display()} {target}",
    )
    return row


@transaction.atomic
def route_delete(*, row: TrackerTarget, actor: AbstractBaseUser | None) -> None:
    record(
        organization=row.organization,
        actor=actor,
        action="integration.tracker_target_removed",
        target=f"{row.kind} {row.name}",
    )
    row.delete()


def connection_test(*, connection: TrackerConnection) -> tuple[bool, str]:
    """Read the default target and its statuses with the stored credential and say what was
    found, or why not (the one call to a tracker a person waits for). Stored on the
    connection, so the page shows the last check."""
    from .clients import client_for  # the clients read connections this module saves

    try:
        ok, result = True, client_for(connection).check(connection.target)
    except TrackerError as error:
        ok, result = False, str(error)
    TrackerConnection.objects.filter(pk=connection.pk).update(
        check_ok=ok, check_result=result[:300], checked_at=timezone.now()
    )
    return ok, result


@transaction.atomic
def reconcile_request(*, connection: TrackerConnection, actor: AbstractBaseUser | None) -> None:
    """Queue a reading of every linked ticket now (the nightly run does it too)."""
    from .tasks import reconcile_connection  # the task calls the reconciliation

    record(
        organization=connection.organization,
        actor=actor,
        action="integration.tracker_reconcile",
        target=str(connection),
    )
    connection_id = connection.pk
    transaction.on_commit(lambda: reconcile_connection.delay(connection_id), robust=True)


# --- An item's ticket --------------------------------------------------------------------------
