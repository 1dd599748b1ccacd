"""Reads for action items: the tracker's filters, buckets, sorting and summary, and the small
judgements shown beside an item (ticket kind, what is missing, vague wording)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from organizations import hooks
from organizations.models import Organization
from organizations.selectors import today_in
from postmortems.models import Postmortem
from postmortems.permissions import visible_q

from .models import CLOSED_STATUSES, ActionItem, ItemStatus

# Asked with ``organization`` and ``item_ids``: each receiver answers {item id: its ticket}
# for the items linked to an issue tracker (``integrations.trackers``), an object with ``key``,
# ``remote_url`` (the ticket), ``url`` (the item's ticket page), ``status``, ``synced_at``,
# ``error`` and ``tracker`` (its name).
ITEM_TICKETS = "actionitems.item_tickets"

DUE_BUCKETS = ("overdue", "this_week", "upcoming", "none")
DUE = F("due_date").asc(nulls_last=True)  # undated last, on SQLite as on PostgreSQL
SORTS = {
    "severity": ("severity_rank", DUE, "id"),  # the default: SEV1 first, then due date
    "due": (DUE, "severity_rank", "id"),
    "-due": (F("due_date").desc(nulls_last=True), "severity_rank", "id"),
    "priority": ("priority_rank", DUE, "id"),
    "status": ("status", DUE, "id"),
    "owner": ("owner__username", DUE, "id"),
    "number": ("number",),
    "-number": ("-number",),
}


def open_q() -> Q:
    return ~Q(status__in=CLOSED_STATUSES)


def due_bucket_q(bucket: str, today: date) -> Q:
    """Open items due before today, within the next seven days, later, or with no date."""
    week_end = today + timedelta(days=6)
    return {
        "overdue": open_q() & Q(due_date__lt=today),
        "this_week": open_q() & Q(due_date__gte=today, due_date__lte=week_end),
        "upcoming": open_q() & Q(due_date__gt=week_end),
        "none": open_q() & Q(due_date__isnull=True),
    }[bucket]


def visible_items(*, organization: Organization, membership) -> QuerySet[ActionItem]:
    """Items of the postmortems this member may read."""
    items = ActionItem.objects.filter(organization=organization)
    visible = visible_q(membership)
    if visible:  # admins: no filter, no join
        items = items.filter(
            postmortem__in=Postmortem.objects.filter(organization=organization)
            .filter(visible)
            .values("pk")
        )
    return items


def tracker_items(
    *, organization: Organization, membership, filters: dict | None = None, sort: str = "severity"
) -> QuerySet[ActionItem]:
    """The tracker's rows. ``filters`` (all optional): ``status`` (list), ``owner`` (a username,
    or ``"none"`` for unowned), ``priority`` (list), ``due`` (a bucket), ``severity``,
    ``service`` (a service name of the primary incident), ``postmortem`` (its number),
    ``mine`` (a user), ``flag`` (``unowned`` / ``undated``)."""
    filters = filters or {}
    items = visible_items(organization=organization, membership=membership)
    if filters.get("status"):
        items = items.filter(status__in=filters["status"])
    if filters.get("priority"):
        items = items.filter(priority__in=filters["priority"])
    owner = filters.get("owner")
    if owner == "none":
        items = items.filter(owner__isnull=True)
    elif owner:
        items = items.filter(owner__username=owner)
    if filters.get("mine") is not None:
        items = items.filter(owner=filters["mine"])
    if filters.get("due") in DUE_BUCKETS:
        items = items.filter(due_bucket_q(filters["due"], today_in(organization)))
    if filters.get("severity"):
        items = items.filter(postmortem__incident__severity=filters["severity"])
    if filters.get("service"):
        items = items.filter(postmortem__incident__service_links__service__name=filters["service"])
    if filters.get("postmortem"):
        items = items.filter(postmortem__number=filters["postmortem"])
    if filters.get("flag") == "unowned":
        items = items.filter(open_q(), owner__isnull=True)
    elif filters.get("flag") == "undated":
        items = items.filter(open_q(), due_date__isnull=True)
    order = SORTS.get(sort, SORTS["severity"])
    if order[0] == "priority_rank":
        items = items.annotate(
            priority_rank=Case(
                *(When(priority=p, then=Value(n)) for n, p in enumerate(PRIORITY_ORDER)),
                output_field=IntegerField(),
            )
        )
    return items.select_related("owner", "postmortem", "postmortem__incident").order_by(*order)


PRIORITY_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW")


@dataclass(frozen=True)
class Summary:
    open: int
    in_progress: int
    overdue: int
    due_this_week: int
    completed: int
    completed_on_time: int
    unowned: int
    undated: int

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.completed_on_time / self.completed) if self.completed else None


def tracker_summary(*, items: QuerySet[ActionItem], today: date) -> Summary:
    """The tracker's counts over ``items`` (its filtered or whole set), in one query."""
    week_end = today + timedelta(days=6)
    counts = items.order_by().aggregate(
        open=Count("id", filter=Q(status=ItemStatus.OPEN)),
        in_progress=Count("id", filter=Q(status=ItemStatus.IN_PROGRESS)),
        overdue=Count("id", filter=open_q() & Q(due_date__lt=today)),
        due_this_week=Count("id", filter=open_q() & Q(due_date__gte=today, due_date__lte=week_end)),
        completed=Count("id", filter=Q(status=ItemStatus.COMPLETED)),
        completed_on_time=Count(
            "id",
            filter=Q(status=ItemStatus.COMPLETED)
            & (Q(due_date__isnull=True) | Q(completed_at__date__lte=F("due_date"))),
        ),
        unowned=Count("id", filter=open_q() & Q(owner__isnull=True)),
        undated=Count("id", filter=open_q() & Q(due_date__isnull=True)),
    )
    return Summary(**counts)


def postmortem_item_counts(postmortem_ids: list[int], today: date) -> dict[int, dict[str, int]]:
    """Open, completed and overdue counts per postmortem, for lists (one query)."""
    rows = (
        ActionItem.objects.filter(postmortem_id__in=postmortem_ids)
        .values("postmortem_id")
        .annotate(
            open=Count("id", filter=open_q()),
            completed=Count("id", filter=Q(status=ItemStatus.COMPLETED)),
            overdue=Count("id", filter=open_q() & Q(due_date__lt=today)),
        )
    )
    return {row.pop("postmortem_id"): row for row in rows}


def item_progress(*, postmortem_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(completed, total) items per postmortem, in one query: the similar incidents' "3 of 4
    items done". Won't-do items count as not done. Answers
    ``postmortems.search.similar.ITEM_PROGRESS`` (registered in ``apps.py``)."""
    rows = (
        ActionItem.objects.filter(postmortem_id__in=postmortem_ids)
        .values("postmortem_id")
        .annotate(done=Count("id", filter=Q(status=ItemStatus.COMPLETED)), total=Count("id"))
        .values_list("postmortem_id", "done", "total")
    )
    return {pk: (done, total) for pk, done, total in rows}


# --- Beside an item ------------------------------------------------------------------------------

TICKET_HOSTS = (
    ("Jira", re.compile(r"(^|\.)atlassian\.net$|(^|\.)jira\.")),
    ("GitHub", re.compile(r"(^|\.)github\.com$")),
    ("Linear", re.compile(r"(^|\.)linear\.app$")),
)


def ticket_kind(url: str) -> str:
    """ "Jira", "GitHub", "Linear" or "Ticket" for another tracker ("" without a URL)."""
    if not url:
        return ""
    host = (urlsplit(url).hostname or "").lower()
    path = urlsplit(url).path
    for name, pattern in TICKET_HOSTS:
        if pattern.search(host):
            return name
    if "/browse/" in path and re.search(r"/browse/[A-Z][A-Z0-9]+-\d+", path):
        return "Jira"
    return "Ticket"


def missing_flags(item: ActionItem) -> list[str]:
    """What an open item still lacks: an owner, a due date, success criteria."""
    if item.is_closed:
        return []
    flags = []
    if item.owner_id is None:
        flags.append("No owner")
    if item.due_date is None:
        flags.append("No due date")
    if not item.success_criteria.strip():
        flags.append("No success criteria")
    return flags


def item_tickets(organization: Organization, item_ids: list[int]) -> dict[int, object]:
    """The tracker tickets of these items (``ITEM_TICKETS``), in one question whatever their
    number."""
    found: dict[int, object] = {}
    for answer in hooks.answers(ITEM_TICKETS, organization=organization, item_ids=item_ids):
        found.update(answer)
    return found
