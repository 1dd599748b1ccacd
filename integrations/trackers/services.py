"""Writes for the issue trackers: the connection and its team targets (admins), "Test
connection" (the one call to GitHub a person waits for), and asking for an item's ticket
(created or adopted later, in the worker: ``push``)."""

import re

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from actionitems.models import ActionItem
from organizations.audit import record
from organizations.models import Organization, Team
from organizations.selectors import membership_in
from postmortems.permissions import access

from . import selectors
from .github import GitHubTracker, TrackerError, address_problem
from .models import (
    DEFAULT_BASE_URLS,
    SyncNote,
    SyncState,
    TicketLink,
    TrackerConnection,
    TrackerKind,
    TrackerTarget,
)

REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
REPOSITORY_HELP = "Enter the repository as owner/name, e.g. acme/api."
TICKET_REFERENCE = re.compile(
    r"^(?:https://github\.com/)?(?P<target>[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})"
    r"(?:#|/issues/)(?P<number>[0-9]{1,10})/?$"
)


def clean_repository(value: str, *, field: str = "target") -> str:
    value = value.strip().removeprefix("https://github.com/").strip("/")
    if not REPOSITORY.match(value):
        raise ValidationError({field: REPOSITORY_HELP})
    return value


# --- The connection (admins) -------------------------------------------------------------------


@transaction.atomic
def connection_save(
    *,
    organization: Organization,
    actor: AbstractBaseUser | None,
    target: str,
    base_url: str = DEFAULT_BASE_URLS[TrackerKind.GITHUB],
    token: str = "",
) -> TrackerConnection:
    """Set the GitHub connection's API address, token and default repository. An empty
    ``token`` keeps the stored one (it is never shown again)."""
    target = clean_repository(target)
    if problem := address_problem(base_url):
        raise ValidationError({"base_url": problem})
    connection = selectors.connection_for(organization) or TrackerConnection(
        organization=organization, kind=TrackerKind.GITHUB
    )
    connection.base_url = base_url.rstrip("/")
    connection.target = target
    if token.strip():
        connection.token = token.strip()
        connection.check_ok, connection.check_result, connection.checked_at = False, "", None
    if not connection.token:
        raise ValidationError({"token": "Enter a fine-grained personal access token."})
    connection.save()
    record(
        organization=organization,
        actor=actor,
        action="integration.tracker_saved",
        target=f"GitHub {target}",
        details={"token_changed": bool(token.strip())},
    )
    return connection


@transaction.atomic
def team_target_save(
    *, connection: TrackerConnection, actor: AbstractBaseUser | None, team: Team, target: str
) -> TrackerTarget:
    """Send the items of ``team``'s postmortems to ``target`` instead of the default."""
    if team.organization_id != connection.organization_id:
        raise ValidationError({"team": "Choose one of this organization's teams."})
    target = clean_repository(target)
    row, _ = TrackerTarget.objects.update_or_create(
        organization=connection.organization,
        connection=connection,
        team=team,
        defaults={"target": target},
    )
    record(
        organization=connection.organization,
        actor=actor,
        action="integration.tracker_target_saved",
        target=f"{team.name} → {target}",
    )
    return row


@transaction.atomic
def team_target_delete(*, row: TrackerTarget, actor: AbstractBaseUser | None) -> None:
    record(
        organization=row.organization,
        actor=actor,
        action="integration.tracker_target_removed",
        target=row.team.name,
    )
    row.delete()


def connection_test(*, connection: TrackerConnection) -> tuple[bool, str]:
    """Read the default repository with the stored token and say what was found, or why
    not. Stored on the connection, so the page shows the last check."""
    try:
        repository = GitHubTracker(connection.base_url, connection.token).repository(
            connection.target
        )
    except TrackerError as error:
        ok, result = False, str(error)
    else:
        ok, result = _repository_found(repository)
    TrackerConnection.objects.filter(pk=connection.pk).update(
        check_ok=ok, check_result=result[:300], checked_at=timezone.now()
    )
    return ok, result


def _repository_found(repository: dict) -> tuple[bool, str]:
    name = str(repository.get("full_name") or "the repository")
    if repository.get("has_issues") is False:
        return False, f"Found {name}, but its issues are turned off."
    if repository.get("archived"):
        return False, f"Found {name}, but it is archived: no issues can be opened."
    open_issues = repository.get("open_issues_count")
    counted = ""
    if isinstance(open_issues, int):
        counted = f" ({open_issues} open issue{'' if open_issues == 1 else 's'})"
    return True, f"Connected: found {name}{counted}."


@transaction.atomic
def reconcile_request(*, connection: TrackerConnection, actor: AbstractBaseUser | None) -> None:
    """Queue a reading of every linked ticket now (the nightly run does it too)."""
    from .tasks import reconcile_connection  # the task calls the reconciliation

    record(
        organization=connection.organization,
        actor=actor,
        action="integration.tracker_reconcile",
        target=f"GitHub {connection.target}",
    )
    connection_id = connection.pk
    transaction.on_commit(lambda: reconcile_connection.delay(connection_id), robust=True)


# --- An item's ticket --------------------------------------------------------------------------


def may_ticket(item: ActionItem, actor: AbstractBaseUser) -> bool:
    """Whoever may edit the item's postmortem creates or links its ticket."""
    membership = membership_in(item.organization, actor)
    return access(actor, membership, item.postmortem).can_edit


def _connection_or_error(organization: Organization) -> TrackerConnection:
    connection = selectors.connection_for(organization)
    if connection is None or not connection.token:
        raise ValidationError({"tracker": "An admin connects GitHub in the settings first."})
    return connection


@transaction.atomic
def ticket_create(*, item: ActionItem, actor: AbstractBaseUser) -> TicketLink:
    """Queue the creation of ``item``'s GitHub issue (a failed one is asked again)."""
    if not may_ticket(item, actor):
        raise PermissionDenied("Only the postmortem's editors create tickets for its items.")
    connection = _connection_or_error(item.organization)
    link = selectors.link_of(item)
    if link is not None and (link.key or link.state == SyncState.QUEUED):
        raise ValidationError(
            {"ticket": f"This item already has a ticket ({link.key or 'being created'})."}
        )
    link = link or TicketLink(organization=item.organization, item=item, created_by=actor)
    link.connection = connection
    link.target = selectors.target_for(connection, item)
    link.state, link.last_error = SyncState.QUEUED, ""
    link.save()
    note(link, f"Ticket requested in {link.target} by {actor.get_username()}.")
    _queue(link)
    return link


@transaction.atomic
def ticket_adopt(*, item: ActionItem, actor: AbstractBaseUser, reference: str) -> TicketLink:
    """Link ``item`` to an existing issue (its URL or ``owner/repo#n``); the worker reads its
    status."""
    if not may_ticket(item, actor):
        raise PermissionDenied("Only the postmortem's editors link tickets to its items.")
    connection = _connection_or_error(item.organization)
    match = TICKET_REFERENCE.match(reference.strip())
    if match is None:
        raise ValidationError(
            {"reference": "Enter the issue's address or owner/repo#number, e.g. acme/api#12."}
        )
    target, number = match["target"], int(match["number"])
    key = f"{target}#{number}"
    taken = selectors.link_by_ticket(item.organization, key)
    if taken is not None and taken.item_id != item.pk:
        raise ValidationError({"reference": f"{key} is already linked to AI-{taken.item.number}."})
    link = selectors.link_of(item) or TicketLink(
        organization=item.organization, item=item, created_by=actor
    )
    link.connection, link.target, link.number, link.key = connection, target, number, key
    link.url = f"https://github.com/{target}/issues/{number}"
    link.state, link.last_error, link.remote_updated_at = SyncState.QUEUED, "", None
    link.save()
    note(link, f"Linked to {key} by {actor.get_username()}.")
    _queue(link)
    return link


def note(link: TicketLink, text: str) -> SyncNote:
    return SyncNote.objects.create(organization=link.organization, link=link, text=text[:500])


def _queue(link: TicketLink) -> None:
    from .tasks import push_ticket  # the task calls ``push``, which this module's callers use

    link_id = link.pk
    transaction.on_commit(lambda: push_ticket.delay(link_id), robust=True)
