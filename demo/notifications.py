"""The demo's notifications: each member is left a handful unread, the rest already read.

Seeding generates a draft for every demo incident and walks several postmortems through
review, and each of those steps tells somebody: a member would otherwise open the demo to
dozens of unread notifications. A person who had used Hindsight for that year would have read
most of them; what is left unread are the newest, the ones that ask something first.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django_scopes import scope

from organizations.models import Notification, NotificationKind, Organization
from organizations.notifications import notifications_mark_read

UNREAD_KEPT = 5

# What a member acts on; the rest (drafts started, publications) is news.
ASKING = {
    NotificationKind.REVIEW_REQUESTED,
    NotificationKind.CHANGES_REQUESTED,
    NotificationKind.MENTIONED,
    NotificationKind.COMMENTED,
    NotificationKind.REMINDER,
}


def unread_to_keep(rows: list[tuple[int, str]], kept: int = UNREAD_KEPT) -> set[int]:
    """Of a member's unread notifications (id, kind), newest first, the ids left unread: the
    newest that ask something, then the newest of the rest, ``kept`` in all."""
    asking = [pk for pk, kind in rows if kind in ASKING]
    news = [pk for pk, kind in rows if kind not in ASKING]
    return set((asking + news)[:kept])


def settle_notifications(*, organization: Organization) -> None:
    """Mark every member's unread notifications read but a handful. Safe to re-run."""
    with scope(organization=organization), transaction.atomic():
        unread: dict[int, list[tuple[int, str]]] = {}
        rows = (
            Notification.objects.filter(organization=organization, read_at__isnull=True)
            .order_by("recipient_id", "-created_at", "-id")
            .values_list("recipient_id", "pk", "kind")
        )
        for recipient_id, pk, kind in rows:
            unread.setdefault(recipient_id, []).append((pk, kind))
        recipients = get_user_model().objects.in_bulk(list(unread))
        for recipient_id, notifications in unread.items():
            keep = unread_to_keep(notifications)
            read = [pk for pk, _ in notifications if pk not in keep]
            if read:
                notifications_mark_read(
                    organization=organization, user=recipients[recipient_id], ids=read
                )
