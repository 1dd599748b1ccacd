"""Reconciliation: read every linked ticket of a connection from GitHub and apply what a missed
webhook would have (nightly, and on demand from the settings). Each ticket is applied in its
own transaction, as a webhook's event is; the loop guard and the conflict rule are the same
(``sync.apply_to_link``)."""

from django.db import transaction

from .github import GitHubTracker, Issue, TrackerError
from .models import SyncState, TicketLink, TrackerConnection
from .push import TITLE_LIMIT, fail
from .sync import apply_to_link, unlinked

BATCH = 200


def reconcile(connection: TrackerConnection) -> dict[str, int]:
    """Counts of the tickets read, changed, failed. A rate limit stops the run (the next run
    goes on); any other refusal is kept on its link."""
    tracker = GitHubTracker(connection.base_url, connection.token)
    counts = {"read": 0, "changed": 0, "failed": 0}
    links = (
        TicketLink.objects.filter(connection=connection, state=SyncState.LINKED)
        .exclude(number=None)
        .select_related("item", "item__organization")
        .order_by("pk")
    )
    for link in links.iterator(chunk_size=BATCH):
        try:
            issue = tracker.issue(link.target, link.number)
        except TrackerError as error:
            counts["failed"] += 1
            if error.retry_after is not None:
                fail(link, str(error))
                break
            _refused(link, error)
            continue
        counts["read"] += 1
        if _apply(link, issue):
            counts["changed"] += 1
    return counts


@transaction.atomic
def _apply(link: TicketLink, issue: Issue) -> bool:
    item = link.item
    if issue.state == "closed":
        action = "closed"
    elif item.is_closed:
        action = "reopened"
    else:
        action = "edited"
    title_changed = issue.title.strip() != item.description[:TITLE_LIMIT].strip()
    outcome = apply_to_link(link, action=action, issue=issue, title_changed=title_changed)
    return not outcome.startswith("ignored")


@transaction.atomic
def _refused(link: TicketLink, error: TrackerError) -> None:
    if error.gone:
        unlinked(link)
    else:
        fail(link, str(error))
