"""The trackers' work in the worker: an item's ticket is created, read or updated with retries
and backoff; a tracker's rate limit is waited out after its ``Retry-After``."""

from celery import shared_task

from actionitems.models import ActionItem
from organizations.scoping import across_organizations, in_organization_of

from .models import SyncState, TicketLink, TrackerConnection
from .push import fail, push, push_update
from .reconcile import reconcile
from .remote import TrackerError

MAX_RETRIES = 5
BACKOFF_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600


def _with_retries(task, link: TicketLink, work) -> str:
    """Run ``work(link)``; a transient refusal is asked again later with backoff (at least
    the tracker's ``Retry-After``). Without a worker (eager) nobody retries later: it fails
    the link at once, to be asked again."""
    try:
        work(link)
    except TrackerError as error:
        if not task.request.is_eager and task.request.retries < MAX_RETRIES:
            wait = max(error.retry_after or 0, BACKOFF_SECONDS * 2**task.request.retries)
            raise task.retry(countdown=min(wait, LONGEST_WAIT_SECONDS)) from None
        fail(link, str(error))
        return "failed"
    return "done"


@shared_task(
    bind=True, max_retries=MAX_RETRIES, acks_late=True, soft_time_limit=120, time_limit=150
)
@in_organization_of(TicketLink, missing="missing")
def push_ticket(self, link: TicketLink) -> str:
    """Create (or read the adopted) ticket of the link."""
    return _with_retries(self, link, push)


@shared_task(
    bind=True, max_retries=MAX_RETRIES, acks_late=True, soft_time_limit=120, time_limit=150
)
@in_organization_of(ActionItem, missing="missing")
def update_item_ticket(self, item: ActionItem) -> str:
    """Write the item's later edits over its linked ticket (an item with a ticket address
    but no live link has nothing to write)."""
    link = (
        TicketLink.objects.filter(item=item, state=SyncState.LINKED)
        .exclude(key="")
        .select_related("connection", "item")
        .first()
    )
    if link is None:
        return "no linked ticket"
    return _with_retries(self, link, push_update)


@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3700)
@in_organization_of(TrackerConnection, missing="missing")
def reconcile_connection(connection: TrackerConnection) -> dict:
    """Read every linked ticket of the connection and apply what a missed webhook would have."""
    return reconcile(connection)


@shared_task
@across_organizations
def reconcile_all_trackers() -> int:
    """Beat, nightly: one reconciliation per connection. Answers how many were queued."""
    ids = list(TrackerConnection.objects.exclude(token="").values_list("pk", flat=True))
    for connection_id in ids:
        reconcile_connection.delay(connection_id)
    return len(ids)
