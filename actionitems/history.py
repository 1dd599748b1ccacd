"""Action items in the postmortem's history: what a revision keeps of each item. The item
services record a revision when a field kept here changes (``services.RECORDED``).

A revision snapshots the document (``postmortems.services.snapshot_of``); the items are kept
here, so ``snapshot_of`` asks for them through ``SNAPSHOT_PARTS`` (the receiver is registered
in ``apps.py``). The snapshot holds what a reader of the history reads: names and labels as they
were then, dates as ISO text, never a model.
"""

from organizations.people import display_name
from postmortems.models import Postmortem

from .models import ActionItem, Category, ItemStatus, Priority


def item_snapshot(item: ActionItem) -> dict:
    """One item as a revision keeps it (``owner`` read with the item)."""
    return {
        "id": item.pk,
        "number": item.number,
        "title": item.description,
        "owner": display_name(item.owner, missing=""),
        "due_date": item.due_date.isoformat() if item.due_date else "",
        "priority": Priority(item.priority).label if item.priority in Priority.values else "",
        "status": ItemStatus(item.status).label if item.status in ItemStatus.values else "",
        "category": Category(item.category).label if item.category in Category.values else "",
        "success_criteria": item.success_criteria,
        "wont_do_reason": item.wont_do_reason,
        "section_key": item.section_key,
    }


def snapshot_items(*, postmortem: Postmortem) -> dict:
    """The postmortem's items for its revision, in list order, in one query. Receiver of
    ``postmortems.services.SNAPSHOT_PARTS``."""
    items = (
        ActionItem.objects.filter(organization_id=postmortem.organization_id, postmortem=postmortem)
        .select_related("owner")
        .order_by("position", "id")
    )
    return {"action_items": [item_snapshot(item) for item in items]}
