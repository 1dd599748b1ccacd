"""Writes: the remediation stamp the action-item services keep, and a manager's "not a
recurrence" (and its undo)."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from incidents.models import Incident
from organizations import audit
from organizations.roles import Action, can
from organizations.selectors import membership_in
from organizations.services import counter_bump
from postmortems.models import Postmortem, RecurrenceDismissal
from postmortems.recurrence.selectors import is_recurrence

# Bumped by every dismissal and undo: the analytics page's cached figures read it.
RECURRENCES_VERSION = "recurrences"
MAX_REASON = 2000


def remediation_record(
    *, postmortem: Postmortem | int, done_at: datetime | None, items: int
) -> None:
    """Record that the postmortem's ``items`` action items were all completed by ``done_at``
    (``None``: they are not, or it has none). Called by the action-item services, which own
    the items, in their transaction; the postmortem's version and history are left alone, as
    an item's status is not a change of the document."""
    postmortem_id = getattr(postmortem, "pk", postmortem)
    Postmortem.objects.filter(pk=postmortem_id).update(
        remediated_at=done_at, remediated_items=items if done_at else 0
    )


def _check_may_dismiss(postmortem: Postmortem, actor: AbstractBaseUser) -> None:
    if not can(membership_in(postmortem.organization, actor), Action.DISMISS_RECURRENCE):
        raise PermissionDenied("Only managers and admins mark a recurrence as unrelated.")


def _target(postmortem: Postmortem, incident: Incident) -> str:
    return f"{incident.ref} after PM-{postmortem.number}"


@transaction.atomic
def recurrence_dismiss(
    *, postmortem: Postmortem, incident: Incident, actor: AbstractBaseUser, reason: str
) -> RecurrenceDismissal:
    """Mark ``incident`` as unrelated to what ``postmortem`` fixed: it leaves the notices and
    the repeat rate. Dismissing again replaces the reason."""
    _check_may_dismiss(postmortem, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this incident is not a recurrence."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Keep the reason under {MAX_REASON} characters."})
    if not is_recurrence(postmortem, incident):
        raise ValidationError(
            {"incident": f"{incident.ref} is not a recurrence of PM-{postmortem.number}."}
        )
    dismissal, _ = RecurrenceDismissal.objects.update_or_create(
        organization=postmortem.organization,
        postmortem=postmortem,
        incident=incident,
        defaults={"reason": reason, "dismissed_by": actor},
    )
    audit.record(
        organization=postmortem.organization,
        actor=actor,
        action="recurrence.dismissed",
        target=_target(postmortem, incident),
        details={"reason": reason},
    )
    counter_bump(organization=postmortem.organization, name=RECURRENCES_VERSION)
    return dismissal


@transaction.atomic
def recurrence_restore(
    *, postmortem: Postmortem, incident: Incident, actor: AbstractBaseUser
) -> bool:
    """Undo a dismissal: the pair counts as a recurrence again. False when it was not
    dismissed (nothing changes)."""
    _check_may_dismiss(postmortem, actor)
    deleted, _ = RecurrenceDismissal.objects.filter(
        organization=postmortem.organization, postmortem=postmortem, incident=incident
    ).delete()
    if not deleted:
        return False
    audit.record(
        organization=postmortem.organization,
        actor=actor,
        action="recurrence.restored",
        target=_target(postmortem, incident),
    )
    counter_bump(organization=postmortem.organization, name=RECURRENCES_VERSION)
    return True
