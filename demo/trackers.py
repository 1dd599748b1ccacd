"""The demo's issue tracker for ``acme``: GitHub Issues connected to ``acme/platform`` (its
token a placeholder: "Test connection" says GitHub refused it, which is what a demo without
network can show), and three action items already linked to issues — one open on GitHub, one
closed there (which completed the item), one whose last sync failed — each with its sync
history, so the tracker, the postmortem's rows and the ticket page show both sides.

``seed_demo`` calls ``seed_trackers`` after the action items; it does nothing when the
organization already has a tracker."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from actionitems.models import ActionItem, ItemStatus
from actionitems.services import remediation_follow
from integrations.trackers.connections import connections_changed
from integrations.trackers.models import (
    SyncNote,
    SyncState,
    TicketLink,
    TrackerConnection,
    TrackerKind,
)
from integrations.trackers.sync import synced_values
from organizations.models import Organization

REPOSITORY = "acme/platform"
FIRST_ISSUE = 412


def seed_trackers(
    *, organization: Organization, admin: AbstractBaseUser, now: datetime | None = None
) -> None:
    with scope(organization=organization), transaction.atomic():
        if TrackerConnection.objects.filter(organization=organization).exists():
            return
        now = now or timezone.now()
        # Made directly: saving through the service resolves api.github.com, which a demo
        # machine without network cannot.
        connection = TrackerConnection.objects.create(
            organization=organization,
            kind=TrackerKind.GITHUB,
            base_url="https://api.github.com",
            token="github_pat_demo_placeholder_0000",  # noqa: S106
            target=REPOSITORY,
            is_default=True,
        )
        connections_changed(organization)
        items = list(
            ActionItem.objects.filter(organization=organization)
            .exclude(status=ItemStatus.WONT_DO)
            .select_related("postmortem")
            .order_by("postmortem__number", "position")[:3]
        )
        for offset, (item, shape) in enumerate(
            zip(items, ("open", "closed", "failed"), strict=False)
        ):
            _link(connection, item, admin, FIRST_ISSUE + offset, shape, now)


def _link(
    connection: TrackerConnection,
    item: ActionItem,
    admin: AbstractBaseUser,
    number: int,
    shape: str,
    now: datetime,
) -> None:
    key = f"{REPOSITORY}#{number}"
    url = f"https://github.com/{REPOSITORY}/issues/{number}"
    if shape == "closed":
        ActionItem.objects.filter(pk=item.pk).update(
            status=ItemStatus.COMPLETED, completed_at=now - timedelta(hours=5), ticket_url=url
        )
        remediation_follow(organization=item.organization_id, postmortem=item.postmortem_id)
    else:
        ActionItem.objects.filter(pk=item.pk).update(ticket_url=url)
    item.refresh_from_db()
    link = TicketLink.objects.create(
        organization=item.organization,
        item=item,
        connection=connection,
        state=SyncState.LINKED,
        target=REPOSITORY,
        number=number,
        key=key,
        remote_id=str(number),
        url=url,
        remote_status="closed (completed)" if shape == "closed" else "open",
        remote_updated_at=now - timedelta(hours=5),
        last_synced_at=now - timedelta(hours=5 if shape == "closed" else 2),
        synced=synced_values(item),
        last_error="GitHub refused the token (401): check it in the settings."
        if shape == "failed"
        else "",
        created_by=admin,
    )
    notes = [
        f"Ticket requested in GitHub Issues {REPOSITORY} by {admin.get_username()}.",
        f"{key} linked: open on the tracker.",
    ]
    if shape == "closed":
        notes.append(f"AI-{item.number} updated from {key}: status")
    if shape == "failed":
        notes.append(f"Sync failed: {link.last_error}")
    for text in notes:
        SyncNote.objects.create(organization=item.organization, link=link, text=text)
