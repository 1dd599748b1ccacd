"""Reads for the audit log page."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry, Organization


def audit_entries(
    *,
    organization: Organization,
    group: str = "",
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """The organization's audit entries, newest first, filtered by kind of change, person and
    day range (days in the organization's time zone, both ends included)."""
    entries = AuditEntry.objects.filter(organization=organization)
    if group:
        entries = entries.filter(action__startswith=f"{group}.")
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if since:
        entries = entries.filter(created_at__gte=_start_of(since))
    if until:
        entries = entries.filter(created_at__lt=_start_of(until + timedelta(days=1)))
    return entries.order_by("-created_at", "-id")


def audit_actors(*, organization: Organization) -> list[tuple[int, str]]:
    """(user id, name) of everyone with an entry, for the filter."""
    rows = (
        AuditEntry.objects.filter(organization=organization, actor__isnull=False)
        .values_list("actor_id", "actor_name")
        .distinct()
        .order_by("actor_name")
    )
    seen: dict[int, str] = {}
    for actor_id, name in rows:
        seen.setdefault(actor_id, name)
    return sorted(seen.items(), key=lambda item: item[1].lower())


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
