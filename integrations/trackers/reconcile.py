"""Reconciliation: read every linked ticket of a connection and apply what a missed webhook
would have (nightly, and on demand from the settings). Tickets are read in batches of
``BATCH`` (one request each where the tracker offers a bulk read); each ticket is applied in
its own transaction, as a webhook's event is, with the same loop guard and conflict rule
(``sync.apply_to_link``). A ticket missing from the tracker's answer was deleted: its item
is unlinked with a note."""

from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import transaction
from django.utils import timezone

from .clients import client_for
from .models import SyncState, TicketLink, TrackerConnection
from .push import fail
from .remote import RemoteTicket, TrackerError
from .sync import apply_to_link, unlinked

BATCH = 100


def batched(rows: Iterable, size: int) -> Iterator[tuple]:
    rows = iter(rows)
    while batch := tuple(islice(rows, size)):
        yield batch


def reconcile(connection: TrackerConnection) -> dict[str, int]:
    """Counts of the tickets read, changed, unlinked and failed. A refused batch (a rate
    limit, a revoked credential) stops the run, its error kept on the batch's links; the next
    run goes on."""
    counts = {"read": 0, "changed": 0, "unlinked": 0, "failed": 0}
    try:
        tracker = client_for(connection)
    except TrackerError as error:
        _connection_failed(connection, error)
        return counts
    links = (
        TicketLink.objects.filter(connection=connection, state=SyncState.LINKED)
        .exclude(key="")
        .select_related("connection", "item", "item__organization", "item__owner")
        .order_by("pk")
    )
    for batch in batched(links.iterator(chunk_size=BATCH * 5), BATCH):
        try:
            tickets = tracker.read_many([link.key for link in batch])
        except TrackerError as error:
            counts["failed"] += len(batch)
            _failed(batch, error)
            break
        for link in batch:
            ticket = tickets.get(link.key)
            if ticket is None:
                _unlink(link)
                counts["unlinked"] += 1
                continue
            counts["read"] += 1
            if _apply(link, ticket):
                counts["changed"] += 1
    return counts


@transaction.atomic
def _apply(link: TicketLink, ticket: RemoteTicket) -> bool:
    outcome = apply_to_link(link, ticket)
    return not outcome.startswith("ignored") and "nothing to change" not in outcome


@transaction.atomic
def _unlink(link: TicketLink) -> None:
    unlinked(link)


def _connection_failed(connection: TrackerConnection, error: TrackerError) -> None:
    """The run could not start (an OAuth authorization revoked): said where the admin looks."""
    TrackerConnection.objects.filter(pk=connection.pk).update(
        check_ok=False,
        check_result=f"Reconciliation stopped: {error}"[:300],
        checked_at=timezone.now(),
    )


def _failed(batch: tuple[TicketLink, ...], error: TrackerError) -> None:
    for link in batch:
        fail(link, str(error))
