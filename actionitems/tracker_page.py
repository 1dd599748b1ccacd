"""What the tracker page shows: its summary cards, sortable columns, filter chips and rows
(through the fragment cache), and the preview of a bulk change. Views build these; templates
show them."""

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Paginator

from organizations.fragments import render_cached
from organizations.people import display_name
from postmortems import selectors as postmortem_selectors

from . import selectors
from .forms_tracker import FLAG_LABELS, BulkChangeForm, TrackerQuery
from .models import ActionItem, ItemStatus
from .postmortem_table import due_words, ticket_ref  # the postmortem table's wording
from .tracker_cache import cached_counts

PAGE_SIZE = 25
# The columns a row shows (the page reads these alone: a quarter less time on 25 rows)
ROW_FIELDS = (
    *("number", "description", "status", "priority", "category", "due_date", "ticket_url"),
    *("completed_at", "wont_do_reason", "owner_id", "postmortem_id", "organization_id"),
    *("owner__username", "owner__first_name", "owner__last_name"),
    *("postmortem__number", "postmortem__title", "postmortem__incident_id"),
    *("postmortem__incident__year", "postmortem__incident__number"),
    "postmortem__incident__severity",
)
DUE_SOON_DAYS = 6  # "due this week": today and the six days after
ROW = "actionitems/_tracker_row.html"
# Sortable columns: (sort key when first clicked, its reverse or None)
SORTABLE = {
    "item": ("number", "-number"),
    "owner": ("owner", None),
    "due": ("due", "-due"),
    "priority": ("priority", None),
    "status": ("status", None),
    "postmortem": ("severity", None),
}


class CountedPaginator(Paginator):
    """A paginator told its count (cached), instead of counting on every request."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


# --- The page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    summary: selectors.Summary
    total: int  # the rows of the view, every page
    any_items: bool  # whether the cards count anything at all (for the empty state)


def tracker_counts(
    *, organization, membership, query: TrackerQuery, today: date, items, card_items
) -> Counts:
    """The summary of the cards (over ``card_items``) and the number of ``items``, each cached
    until the organization's items change; the number is taken from the summary when it
    counts that view (the default view, and every view a card opens)."""
    shared = {"organization": organization, "membership": membership, "today": today}
    summary = cached_counts(
        **shared,
        name="summary",
        parameters=query.cache_parameters(for_cards=True),
        compute=lambda: selectors.tracker_summary(items=card_items, today=today),
    )
    total = query.total_from(summary)
    if total is None:
        total = cached_counts(
            **shared, name="total", parameters=query.cache_parameters(), compute=items.count
        )
    any_items = bool(total or summary.open + summary.in_progress + summary.completed)
    if not any_items:  # nothing open or done: perhaps only won't-dos
        any_items = card_items.exists()
    return Counts(summary, total, any_items)


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    value: str
    href: str
    active: bool
    tone: str = ""
    hint: str = ""


def summary_cards(query: TrackerQuery, summary: selectors.Summary, base: str) -> list[Card]:
    """The summary counts, each a link to the view it counts (the other filters kept)."""

    def href(**changes) -> str:
        params = query.params(**({"status": None, "due": None, "flag": None} | changes)).urlencode()
        return f"{base}?{params}" if params else base

    plain = query.due == "" and query.flag == ""
    percent = summary.on_time_percent
    cards = [
        Card(
            "open",
            "Open",
            f"{summary.open:,}",
            href(status=[ItemStatus.OPEN]),
            plain and query.status == [ItemStatus.OPEN],
        ),
        Card(
            "in_progress",
            "In progress",
            f"{summary.in_progress:,}",
            href(status=[ItemStatus.IN_PROGRESS]),
            plain and query.status == [ItemStatus.IN_PROGRESS],
        ),
        Card(
            "overdue",
            "Overdue",
            f"{summary.overdue:,}",
            href(due="overdue"),
            query.due == "overdue" and query.flag == "",
            tone="danger" if summary.overdue else "",
        ),
        Card(
            "this_week",
            "Due this week",
            f"{summary.due_this_week:,}",
            href(due="this_week"),
            query.due == "this_week" and query.flag == "",
        ),
        Card(
            "on_time",
            "Done on time",
            "—" if percent is None else f"{percent}%",
            href(status=[ItemStatus.COMPLETED]),
            plain and query.status == [ItemStatus.COMPLETED],
            tone="" if percent is None else "success" if percent >= 80 else "warning",
            hint=f"{summary.completed_on_time:,} of {summary.completed:,} by their due date"
            if summary.completed
            else "None completed yet",
        ),
        Card(
            "unowned",
            "Unowned",
            f"{summary.unowned:,}",
            href(flag="unowned"),
            query.flag == "unowned",
            tone="warning" if summary.unowned else "",
        ),
        Card(
            "undated",
            "No due date",
            f"{summary.undated:,}",
            href(flag="undated"),
            query.flag == "undated",
            tone="warning" if summary.undated else "",
        ),
    ]
    if query.mine:  # one's own items all have an owner
        cards = [card for card in cards if card.key != "unowned"]
    return cards


def sort_columns(query: TrackerQuery, base: str) -> dict[str, dict]:
    """Per sortable column: the link that sorts by it (or reverses it) and its aria-sort."""
    columns = {}
    for column, (forward, backward) in SORTABLE.items():
        if query.sort == forward:
            state, target = "ascending", backward or forward
        elif backward and query.sort == backward:
            state, target = "descending", forward
        else:
            state, target = "", forward
        params = query.params(sort=None if target == "severity" else target).urlencode()
        columns[column] = {"href": f"{base}?{params}" if params else base, "state": state}
    return columns


def filter_chips(*, organization, membership, query: TrackerQuery, base: str) -> list[dict]:
    """The filters the bar does not show as fields (a flag, a postmortem), with a way out."""
    chips = []

    def without(**changes) -> str:
        params = query.params(**changes).urlencode()
        return f"{base}?{params}" if params else base

    if query.flag:
        chips.append({"label": FLAG_LABELS[query.flag], "remove": without(flag=None)})
    if query.postmortem:
        postmortem = postmortem_selectors.postmortem_by_number(
            organization=organization, number=query.postmortem, membership=membership
        )
        label = f"PM-{query.postmortem}" + (f" · {postmortem.title}" if postmortem else "")
        chips.append({"label": label, "remove": without(postmortem=None)})
    return chips


@dataclass(frozen=True)
class Row:
    """One item as the tracker shows it, with its flags."""

    item: ActionItem
    overdue_days: int | None
    due_in_days: int | None
    unowned: bool
    undated: bool
    ticket_kind: str
    ticket: object | None = None  # its issue tracker's ticket (``selectors.ITEM_TICKETS``)

    @property
    def ticket_ref(self) -> str:
        return ticket_ref(self.item.ticket_url, self.ticket_kind) if self.ticket_kind else ""

    @property
    def due_words(self) -> str:
        days = -self.overdue_days if self.overdue_days else self.due_in_days
        return "" if days is None else due_words(days)

    @property
    def due_soon(self) -> bool:
        return self.due_in_days is not None and self.due_in_days <= DUE_SOON_DAYS

    @property
    def shown(self) -> tuple:
        """Everything the row's HTML depends on (its fragment-cache key)."""
        item, postmortem = self.item, self.item.postmortem
        incident, owner = postmortem.incident, self.item.owner
        return (
            item.pk,
            item.number,
            item.description,
            item.status,
            item.priority,
            item.category,
            item.due_date and item.due_date.isoformat(),
            item.ticket_url,
            item.completed_at and item.completed_at.isoformat(),
            item.wont_do_reason,
            owner and (owner.pk, owner.get_username(), owner.get_full_name()),
            (postmortem.number, postmortem.title),
            incident and incident.severity,
            self.overdue_days,
            self.due_in_days,
            self.ticket,  # a frozen dataclass: its fields make the key
        )


def tracker_row(item: ActionItem, today: date, ticket: object | None = None) -> Row:
    is_open = not item.is_closed
    due = item.due_date
    return Row(
        item=item,
        overdue_days=(today - due).days if is_open and due and due < today else None,
        due_in_days=(due - today).days if is_open and due and due >= today else None,
        unowned=is_open and item.owner_id is None,
        undated=is_open and due is None,
        ticket_kind=selectors.ticket_kind(item.ticket_url),
        ticket=ticket,
    )


def tracker_rows(items, *, organization, today: date, can_bulk: bool, show_owner: bool):
    """The page's rows, through the fragment cache: a row's HTML depends only on what it shows
    and on whether it has a checkbox. (Rows hold no CSRF token: their status buttons submit
    the page's one ``#tracker-status`` form.)"""
    page = {
        "organization": organization,
        "can_bulk": can_bulk,
        "show_owner": show_owner,
        "statuses": ItemStatus.choices,
    }
    items = list(items)
    tickets = selectors.item_tickets(organization, [item.pk for item in items])
    rows = [tracker_row(item, today, tickets.get(item.pk)) for item in items]
    return render_cached(
        ROW,
        [(row.shown, {**page, "row": row}) for row in rows],
        shared=(organization.slug, can_bulk, show_owner),
    )


# --- Bulk changes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    item: ActionItem
    before: str
    after: str

    @property
    def unchanged(self) -> bool:
        return self.before == self.after


def preview(items: list[ActionItem], form: BulkChangeForm) -> list[Preview]:
    """Each selected item's value now and after the change (blank when the change is not
    valid yet)."""
    data = getattr(form, "cleaned_data", {})
    change = data.get("change") or form.data.get("change")
    rows = []
    for item in items:
        if change == "owner":
            new = data.get("owner")
            before = display_name(item.owner, missing="Unowned")
            after = display_name(new, missing="")
        elif change == "due_date":
            before = item.due_date.strftime("%b %-d, %Y") if item.due_date else "No due date"
            after = data["due_date"].strftime("%b %-d, %Y") if data.get("due_date") else ""
        else:
            before = item.get_status_display()
            after = ItemStatus(data["status"]).label if data.get("status") else ""
        rows.append(Preview(item, before, after))
    return rows
