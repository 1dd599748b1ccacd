"""Incident status changes: acknowledge, mitigate, resolve.

Each runs in a transaction with the incident row locked, records its timestamp (in order with
the incident's other times), shows it on the timeline (the automatic entry of that time), and is
harmless when repeated. Status only moves forward; a step may be skipped (an incident can be
resolved straight from OPEN). Resolving emits the resolution event after commit.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import STATUS_ORDER, Incident, Status
from .services import TIME_ORDER, status_time_entry_follow, validate_times

TIMESTAMP_FOR = {
    Status.ACKNOWLEDGED: "acknowledged_at",
    Status.MITIGATED: "mitigated_at",
    Status.RESOLVED: "resolved_at",
}
VERB = {
    Status.ACKNOWLEDGED: "acknowledged",
    Status.MITIGATED: "mitigated",
    Status.RESOLVED: "resolved",
}


class TransitionError(Exception):
    """The current status does not allow this change (the API answers 409)."""


def _advance(
    *, incident: Incident, target: Status, actor: AbstractBaseUser | None, at: datetime | None
) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.status == target:
        return locked  # already there: repeating is harmless
    if STATUS_ORDER.index(locked.status) > STATUS_ORDER.index(target):
        raise TransitionError(
            f"{locked.ref} is already {locked.get_status_display().lower()}; "
            f"it cannot be {VERB[target]} again."
        )
    at = at or timezone.now()
    field = TIMESTAMP_FOR[target]
    values = {f: getattr(locked, f) for f in TIME_ORDER}
    validate_times({**values, field: at}, changed={field})
    locked.status = target
    setattr(locked, field, at)
    locked.save(update_fields=["status", field, "updated_at"])
    status_time_entry_follow(incident=locked, field=field, actor=actor)
    return locked


@transaction.atomic
def incident_acknowledge(
    *, incident: Incident, actor: AbstractBaseUser | None, at: datetime | None = None
) -> Incident:
    return _advance(incident=incident, target=Status.ACKNOWLEDGED, actor=actor, at=at)


@transaction.atomic
def incident_mitigate(
    *, incident: Incident, actor: AbstractBaseUser | None, at: datetime | None = None
) -> Incident:
    return _advance(incident=incident, target=Status.MITIGATED, actor=actor, at=at)


@transaction.atomic
def incident_resolve(
    *, incident: Incident, actor: AbstractBaseUser | None, at: datetime | None = None
) -> Incident:
    was_resolved = Incident.objects.filter(pk=incident.pk, status=Status.RESOLVED).exists()
    resolved = _advance(incident=incident, target=Status.RESOLVED, actor=actor, at=at)
    if not was_resolved:
        from .tasks import incident_resolved

        incident_resolved.delay_on_commit(resolved.pk)
    return resolved
