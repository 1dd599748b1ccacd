"""Writes for action items. Views, the tracker, the API and tasks call these; none writes a row
itself.

Rights (DESIGN §3): items are added, edited and deleted by whoever may edit the
postmortem; on a published or archived postmortem the status may still be changed by the item's
owner, managers and admins; managers and admins reassign and reschedule from the tracker.
Updates are partial: only the fields a change names are written, so two tabs changing different
fields of one item both keep their change. A change the postmortem's history keeps (an item
added or removed, a field of ``RECORDED`` changed) records a revision of the postmortem, by
whoever made it (nobody when the item's ticket did).
"""

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from incidents.models import Incident
from organizations import hooks
from organizations.models import Organization
from organizations.people import display_name
from organizations.roles import Action, can
from organizations.selectors import membership_in
from organizations.services import next_number
from postmortems.models import Postmortem
from postmortems.permissions import access
from postmortems.recurrence.services import remediation_record
from postmortems.services import postmortem_items_changed

from .models import (
    NO_SEVERITY_RANK,
    SEVERITY_RANKS,
    ActionItem,
    Category,
    ItemStatus,
    Priority,
)
from .selectors import today_in
from .tracker_cache import tracker_changed

# Fired by ``action_item_update`` and ``action_items_bulk_update`` with ``item`` and ``fields``
# (the names changed): a linked ticket follows the item's edits.
ACTION_ITEM_CHANGED = "actionitems.item_changed"
MAX_DESCRIPTION = 2000
MAX_TEXT = 5000
EDITABLE = (
    "description",
    "owner",
    "due_date",
    "priority",
    "status",
    "category",
    "success_criteria",
    "ticket_url",
    "wont_do_reason",
    "section_key",
)
# The fields of an item the postmortem's revisions keep (``history.item_snapshot``): the
# ticket's address is the tracker's, and shown with the item, not in the history.
RECORDED = frozenset(EDITABLE) - {"ticket_url"}
SCHEDULING = ("owner", "due_date")  # what managers may change from the tracker
SUGGESTED_DUE_DAYS = {
    Priority.CRITICAL: 7,
    Priority.HIGH: 28,
    Priority.MEDIUM: 61,
    Priority.LOW: 91,
}


def suggested_due_date(priority: str, today: date) -> date:
    """Critical in a week, high in 4 weeks, medium in 2 months, low in 3 months."""
    return today + timedelta(days=SUGGESTED_DUE_DAYS.get(priority, SUGGESTED_DUE_DAYS["MEDIUM"]))


def severity_rank_of(postmortem: Postmortem) -> int:
    incident = postmortem.incident
    return SEVERITY_RANKS.get(incident.severity, NO_SEVERITY_RANK) if incident else NO_SEVERITY_RANK


def action_items_follow_incident(*, incident: Incident, fields: frozenset[str]) -> None:
    """The tracker sorts action items by their incident's severity, kept on each item: a new
    severity re-sorts them. Receiver of ``incidents.services.INCIDENT_CHANGED`` (registered in
    ``apps.py``), in the incident's transaction."""
    if "severity" not in fields:
        return
    ActionItem.objects.filter(postmortem__incident=incident).update(
        severity_rank=SEVERITY_RANKS.get(incident.severity, NO_SEVERITY_RANK)
    )
    tracker_changed(organization=incident.organization_id)


# --- Validation ----------------------------------------------------------------------------------


PAST_DUE_DATE = "Pick today or a later date: an item cannot be due in the past."


def past_due_date_error(due: date | None, *, today: date, current: date | None = None) -> str:
    """The one due-date rule of creating, editing and rescheduling: a date set is today or
    later. An overdue item keeps its date through edits of other fields (``current``, its
    stored date, is not a change); only a change *to* a past date is refused."""
    if due is None or due == current or due >= today:
        return ""
    return PAST_DUE_DATE


def _clean(
    organization: Organization, changes: dict[str, Any], *, current: ActionItem | None = None
) -> dict:
    """``changes`` checked and normalised; ``current`` is the item being edited (None when
    creating, or for a bulk change of many items)."""
    errors: dict[str, str] = {}
    cleaned = dict(changes)
    if "description" in cleaned:
        text = " ".join(str(cleaned["description"] or "").split())
        if not text:
            errors["description"] = "Describe the change to make."
        elif len(text) > MAX_DESCRIPTION:
            errors["description"] = f"Keep it under {MAX_DESCRIPTION:,} characters."
        cleaned["description"] = text
    if cleaned.get("owner") is not None:
        owner_membership = membership_in(organization, cleaned["owner"])
        if owner_membership is None:
            errors["owner"] = "Choose a member of this organization as the owner."
        elif not can(owner_membership, Action.OWN_ACTION_ITEMS):
            errors["owner"] = "Viewers do not own action items: choose an engineer or above."
    if "due_date" in cleaned:
        due_error = past_due_date_error(
            cleaned["due_date"],
            today=today_in(organization),
            current=current.due_date if current else None,
        )
        if due_error:
            errors["due_date"] = due_error
    for name, choices in (("priority", Priority), ("status", ItemStatus)):
        if name in cleaned and cleaned[name] not in choices.values:
            labels = ", ".join(choices.values)
            errors[name] = f"“{cleaned[name]}” is not a {name}: choose one of {labels}."
    if cleaned.get("category") and cleaned["category"] not in Category.values:
        errors["category"] = f"Choose one of {', '.join(Category.values)}, or none."
    if cleaned.get("ticket_url"):
        try:
            URLValidator(schemes=["http", "https"])(cleaned["ticket_url"])
        except ValidationError:
            errors["ticket_url"] = "Enter the ticket's web address (https://…)."
    for name in ("success_criteria", "wont_do_reason"):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
            if len(cleaned[name]) > MAX_TEXT:
                errors[name] = f"Keep it under {MAX_TEXT:,} characters."
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_owner_reads(postmortem: Postmortem, owner: AbstractBaseUser | None) -> None:
    """An owner who cannot read the postmortem would never see the item or its reminders."""
    if owner is None:
        return
    owner_membership = membership_in(postmortem.organization, owner)
    if owner_membership is not None and not access(owner, owner_membership, postmortem).can_read:
        raise ValidationError(
            {
                "owner": f"{display_name(owner)} may not read this "
                "postmortem (its visibility is limited): choose someone who can, or share it."
            }
        )


def _apply_status(item: ActionItem, cleaned: dict) -> None:
    """Completion time follows the status; won't-do needs its reason."""
    status = cleaned.get("status", item.status)
    reason = cleaned.get("wont_do_reason", item.wont_do_reason)
    if status == ItemStatus.WONT_DO and not (reason or "").strip():
        raise ValidationError({"wont_do_reason": "Say why this won't be done."})
    if "status" in cleaned and cleaned["status"] != item.status:
        cleaned["completed_at"] = (
            timezone.now() if cleaned["status"] == ItemStatus.COMPLETED else None
        )
        if cleaned["status"] != ItemStatus.WONT_DO and "wont_do_reason" not in cleaned:
            cleaned["wont_do_reason"] = ""


# --- Rights --------------------------------------------------------------------------------------


def _check_may_change(item: ActionItem, actor: AbstractBaseUser, fields: set[str]) -> None:
    membership = membership_in(item.organization, actor)
    postmortem_access = access(actor, membership, item.postmortem)
    if not postmortem_access.can_read:
        raise PermissionDenied("You may not see this action item.")
    if postmortem_access.can_edit:
        return
    if fields <= {"status", "wont_do_reason"} and (
        item.owner_id == actor.pk or can(membership, Action.REASSIGN_ACTION_ITEMS)
    ):
        return
    if fields <= set(SCHEDULING) | {"status", "wont_do_reason"} and can(
        membership, Action.REASSIGN_ACTION_ITEMS
    ):
        return
    raise PermissionDenied(
        "Only the postmortem's editors change this item; its owner, managers and admins may "
        "still change its status."
    )


def remediation_follow(*, organization: Organization | int, postmortem: Postmortem | int) -> None:
    """Keep the postmortem's remediation stamp in step with its items: done when it has items
    and every one is completed (won't-do is not done), at the last completion. Every write
    that adds, removes or changes the status of an item calls it."""
    figures = ActionItem.objects.filter(organization=organization, postmortem=postmortem).aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=ItemStatus.COMPLETED)),
        last=Max("completed_at"),
    )
    all_done = figures["total"] and figures["done"] == figures["total"]
    remediation_record(
        postmortem=postmortem,
        done_at=figures["last"] if all_done else None,
        items=figures["total"],
    )


# --- Writes --------------------------------------------------------------------------------------


@transaction.atomic
def action_item_create(
    *, postmortem: Postmortem, actor: AbstractBaseUser, description: str, **fields: Any
) -> ActionItem:
    """Add an item to ``postmortem`` (whoever may edit it)."""
    organization = postmortem.organization
    membership = membership_in(organization, actor)
    if not access(actor, membership, postmortem).can_edit:
        raise PermissionDenied("Only the postmortem's editors add action items.")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a field of an action item."))
    cleaned = _clean(organization, {"description": description, **fields})
    _check_owner_reads(postmortem, cleaned.get("owner"))
    item = ActionItem(organization=organization, postmortem=postmortem, created_by=actor)
    _apply_status(item, cleaned)
    for name, value in cleaned.items():
        setattr(item, name, value)
    item.number = next_number(organization=organization, name="action_item")
    item.severity_rank = severity_rank_of(postmortem)
    item.position = ActionItem.objects.filter(
        postmortem=postmortem, section_key=item.section_key
    ).count()
    item.save()
    remediation_follow(organization=organization, postmortem=postmortem)
    tracker_changed(organization=organization)
    postmortem_items_changed(postmortem=postmortem, actor=actor, section_keys=[item.section_key])
    return item


@transaction.atomic
def action_item_update(
    *, item: ActionItem, actor: AbstractBaseUser, changes: dict[str, Any]
) -> ActionItem:
    """Change the named fields only (a partial update); the others keep what is stored, even
    if another tab changed them a moment ago."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a field of an action item."))
    locked = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("postmortem", "organization")
        .get(pk=item.pk)
    )
    _check_may_change(locked, actor, set(changes))
    cleaned = _clean(locked.organization, changes, current=locked)
    if "owner" in cleaned:
        _check_owner_reads(locked.postmortem, cleaned["owner"])
    _apply_status(locked, cleaned)
    _save_and_record(locked, cleaned, actor=actor)
    hooks.run(ACTION_ITEM_CHANGED, item=locked, fields=frozenset(cleaned))
    return locked


def _recorded_changes(item: ActionItem, changes: dict) -> set[str]:
    """The fields of ``changes`` (cleaned, not yet applied) a revision keeps whose value is not
    the item's: saving the edit form as it was records nothing."""

    def differs(name: str, value: Any) -> bool:
        if name == "owner":
            return (value.pk if value else None) != item.owner_id
        return value != getattr(item, name)

    return {name for name, value in changes.items() if name in RECORDED and differs(name, value)}


def _save_and_record(item: ActionItem, cleaned: dict, *, actor: AbstractBaseUser | None) -> None:
    """Write the changed fields; a change the postmortem's revisions keep records one."""
    recorded = _recorded_changes(item, cleaned)
    listed_in = {item.section_key}
    for name, value in cleaned.items():
        setattr(item, name, value)
    item.save(update_fields=[*cleaned, "updated_at"])
    if "status" in cleaned:
        remediation_follow(organization=item.organization_id, postmortem=item.postmortem_id)
    tracker_changed(organization=item.organization_id)
    if recorded:
        postmortem_items_changed(
            postmortem=item.postmortem, actor=actor, section_keys=listed_in | {item.section_key}
        )


# what a tracker may set
SYNCED = ("description", "status", "wont_do_reason", "ticket_url", "due_date", "owner")


@transaction.atomic
def action_item_sync(*, item: ActionItem, changes: dict[str, Any]) -> ActionItem:
    """Apply what the item's linked ticket changed (a tracker's webhook or the link itself):
    no person acts, so no rights are checked; the fields are checked as any change's are."""
    unknown = set(changes) - set(SYNCED)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a field a tracker sets."))
    locked = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=item.pk)
    )
    cleaned = _clean(locked.organization, changes, current=locked)
    _apply_status(locked, cleaned)
    _save_and_record(locked, cleaned, actor=None)
    return locked


@transaction.atomic
def action_item_delete(*, item: ActionItem, actor: AbstractBaseUser) -> None:
    membership = membership_in(item.organization, actor)
    if not access(actor, membership, item.postmortem).can_edit:
        raise PermissionDenied("Only the postmortem's editors delete its action items.")
    postmortem, listed_in = item.postmortem, item.section_key
    item.delete()
    remediation_follow(organization=item.organization_id, postmortem=item.postmortem_id)
    tracker_changed(organization=item.organization_id)
    postmortem_items_changed(postmortem=postmortem, actor=actor, section_keys=[listed_in])


@transaction.atomic
def action_items_bulk_update(
    *, organization: Organization, actor: AbstractBaseUser, numbers: list[int], changes: dict
) -> int:
    """Reassign, reschedule or change the status of many items at once (managers and admins),
    all or nothing. Answers how many items changed."""
    membership = membership_in(organization, actor)
    if not can(membership, Action.REASSIGN_ACTION_ITEMS):
        raise PermissionDenied("Only managers and admins change items in bulk.")
    allowed = set(SCHEDULING) | {"status", "wont_do_reason"}
    if not changes or set(changes) - allowed:
        raise ValidationError(
            {"changes": "Bulk changes set the owner, the due date or the status."}
        )
    cleaned = _clean(organization, changes)
    items = list(
        ActionItem.objects.select_for_update(of=("self",))
        .filter(organization=organization, number__in=numbers)
        .select_related("postmortem", "organization")
    )
    changed: dict[int, tuple[Postmortem, set[str]]] = {}  # by postmortem: its sections
    for item in items:
        _check_may_change(item, actor, set(cleaned))
        if "owner" in cleaned:
            _check_owner_reads(item.postmortem, cleaned["owner"])
        values = dict(cleaned)
        _apply_status(item, values)
        if _recorded_changes(item, values):
            changed.setdefault(item.postmortem_id, (item.postmortem, set()))[1].add(
                item.section_key
            )
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=[*values, "updated_at"])
        hooks.run(ACTION_ITEM_CHANGED, item=item, fields=frozenset(values))
    if "status" in cleaned:
        for postmortem_id in {item.postmortem_id for item in items}:
            remediation_follow(organization=organization, postmortem=postmortem_id)
    if items:
        tracker_changed(organization=organization)
    for postmortem, section_keys in changed.values():
        postmortem_items_changed(postmortem=postmortem, actor=actor, section_keys=section_keys)
    return len(items)
