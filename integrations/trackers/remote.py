"""What every tracker's client speaks, whatever the tracker (GitHub Issues, Jira, Linear): the
ticket as Hindsight keeps it, the ticket Hindsight asks for, a webhook's event, and the refusal.
The sync (``sync``), the push (``push``) and the reconciliation (``reconcile``) only see these.

- ``RemoteTicket.outcome`` is already mapped by the client, through its connection's status
  mapping (the tracker's defaults, then the admin's overrides): ``open``, ``done`` or
  ``wont_do`` (with the tracker's resolution as ``reason``).
- ``TrackerClient.read_many`` is the reconciliation's bulk read: at most one request per 100
  keys where the tracker offers a search or bulk read; a key missing from its answer is gone.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

OPEN, DONE, WONT_DO = "open", "done", "wont_do"
OUTCOMES = (OPEN, DONE, WONT_DO)


class TrackerError(Exception):
    """The tracker could not be asked, or refused. ``retry_after`` (seconds) when asking later
    may help; ``gone`` when the ticket no longer exists; ``field`` names the form field (or the
    tracker's field, e.g. a Jira custom field) a refusal is about."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        gone: bool = False,
        field: str = "",
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.gone = gone
        self.field = field


@dataclass(frozen=True)
class RemoteTicket:
    """What Hindsight keeps of a ticket, read from the tracker or from its webhook."""

    key: str  # as people write it and links are found by: "acme/api#12", "OPS-12", "ENG-12"
    url: str  # the ticket's page in a browser
    title: str
    status: str  # the tracker's own words, shown as is: "In Progress", "closed (not planned)"
    outcome: str  # OPEN, DONE or WONT_DO, through the connection's status mapping
    updated_at: datetime  # aware; the loop guard compares it with the last change we know
    reason: str = ""  # why it was closed without doing it (Jira's resolution, Linear's state)
    remote_id: str = ""  # the tracker's own id when it is not the key (Jira id, Linear uuid)
    assignee_email: str = ""  # "" when nobody is assigned or the tracker does not say
    assignee_name: str = ""
    due_date: date | None = None


@dataclass(frozen=True)
class TicketDraft:
    """The ticket Hindsight asks for (created, or written over a linked one's fields)."""

    title: str
    body: str  # markdown, with links back to the postmortem and the incident
    labels: tuple[str, ...] = ()
    due_date: date | None = None
    priority: str = ""  # actionitems.models.Priority value: CRITICAL, HIGH, MEDIUM, LOW
    assignee_email: str = ""  # the owner's address; the client finds the tracker's account
    # on an update: the item's state to give the ticket (OPEN, DONE, WONT_DO); "" leaves it
    outcome: str = ""


@dataclass(frozen=True)
class TicketEvent:
    """One webhook delivery about one ticket, as a tracker's webhook reader makes it."""

    delivery: str  # the event id: a redelivery with the same id acts once
    key: str = ""  # "" for a ping or test delivery, which changes nothing
    ticket: RemoteTicket | None = None  # None when ``deleted``
    deleted: bool = False
    # the fields the event says changed ("title", "status", "assignee", "due_date"); empty
    # when the tracker does not say, and every field is compared
    changed: frozenset[str] = field(default_factory=frozenset)


class TrackerClient(Protocol):
    """One connection's API. Every call has a timeout, checks the address first (no private
    network unless the operator allows the host), never retries by itself and never puts the
    credential in a message. Refusals raise ``TrackerError``."""

    def check(self, target: str) -> str:
        """Read ``target`` (repository, project key, Linear team key) and its statuses; answer
        what was found, in a sentence shown to the admin."""
        ...

    def create(self, target: str, draft: TicketDraft) -> RemoteTicket: ...

    def read(self, key: str) -> RemoteTicket:
        """Raises ``TrackerError(gone=True)`` when the ticket no longer exists."""
        ...

    def read_many(self, keys: Sequence[str]) -> dict[str, RemoteTicket]:
        """The tickets by key; a key missing from the answer no longer exists."""
        ...

    def update(self, key: str, draft: TicketDraft) -> RemoteTicket:
        """Write Hindsight's later edits (title, due date, priority, assignee and, when
        ``draft.outcome`` is set, the state: done, won't do or open again) over the
        ticket's."""
        ...
