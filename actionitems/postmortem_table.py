"""The read model of a postmortem's action-item tables (editor and read view): who may do
what with the items, each row as shown (flags, hint, ticket chip, due words), the counts, and
one section's table. Read in one query for the whole document (``load_page``)."""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import reverse

from organizations import hooks
from organizations.roles import Action, can
from postmortems.language.rules import vague_action_item
from postmortems.models import Postmortem, PostmortemUserObjectPermission, Section, SectionKind
from postmortems.permissions import Access

from . import selectors, services
from .forms import FormState
from .models import ActionItem, Category, ItemStatus, Priority

STATUS_FIELDS = {"status", "wont_do_reason"}
SCHEDULE_FIELDS = {"owner", "due_date"}
NUMBER_SLOT = 999999999  # reversed once per page, then replaced by each item's number
# Asked with ``organization`` and ``postmortem``: each receiver answers {item id: its ticket's
# sync (an object with ``key``, ``status``, ``synced_at``, ``error`` and ``url``, the page of
# the item's ticket)} for the items linked to an issue tracker (``integrations.trackers``).
TICKET_SYNC = "actionitems.ticket_sync"
# Asked with ``organization`` and ``postmortem``: each receiver answers where the postmortem's
# items' tickets are created ("GitHub acme/api"), or "" when no tracker is connected (no
# "Create tickets for all" then).
TICKET_TRACKER = "actionitems.ticket_tracker"

CHOICES = {
    "priority": [  # with the days to the suggested due date, for the form's script
        (value, label, services.SUGGESTED_DUE_DAYS[value]) for value, label in Priority.choices
    ],
    "status": ItemStatus.choices,
    "category": Category.choices,
}


# --- Rights --------------------------------------------------------------------------------------


@dataclass
class _PageAccess(Access):
    """``Access`` whose object permissions are read in one query (guardian's checker takes two).
    Postmortem permissions are only ever granted to users (``postmortems.review.people``), never to
    groups, so the two agree."""

    @cached_property
    def _granted(self) -> set[str]:
        if self.membership is None or not self.user.is_authenticated:
            return set()
        return set(
            PostmortemUserObjectPermission.objects.filter(
                content_object=self.postmortem, user_id=self.user.pk
            ).values_list("permission__codename", flat=True)
        )


@dataclass(frozen=True)
class ItemRights:
    """What the member may do with the postmortem's items. Mirrors the services' rule (which
    enforces it): editors of the postmortem change everything; otherwise the item's owner,
    managers and admins change its status, and managers and admins its owner and due date."""

    user_id: int | None
    can_edit: bool
    may_reassign: bool

    def may_status(self, item: ActionItem) -> bool:
        return self.can_edit or self.may_reassign or item.owner_id == self.user_id

    def may_change(self, item: ActionItem, fields: set[str]) -> bool:
        if self.can_edit:
            return True
        if fields <= STATUS_FIELDS:
            return self.may_status(item)
        return self.may_reassign and fields <= STATUS_FIELDS | SCHEDULE_FIELDS


def rights_of(request: HttpRequest, postmortem: Postmortem, access: Access | None = None):
    access = access or _PageAccess(
        user=request.user, membership=request.membership, postmortem=postmortem
    )
    return ItemRights(
        user_id=request.user.pk,
        can_edit=access.can_edit,
        may_reassign=can(request.membership, Action.REASSIGN_ACTION_ITEMS),
    )


# --- What the tables show ------------------------------------------------------------------------

TICKET_REFS = {
    "Jira": re.compile(r"([A-Z][A-Z0-9]+-\d+)"),
    "GitHub": re.compile(r"^/[^/]+/([^/]+)/(?:issues|pull)/(\d+)"),
    "Linear": re.compile(r"/issue/([A-Za-z][A-Za-z0-9]*-\d+)"),
}


def ticket_ref(url: str, kind: str) -> str:
    """A short name for a ticket link: ``PAY-123``, ``api#42``, else the host."""
    parts = urlsplit(url)
    pattern = TICKET_REFS.get(kind)
    found = (
        pattern.search(parts.path + ("?" + parts.query if kind == "Jira" else ""))
        if pattern
        else None
    )
    if found and kind == "GitHub":
        return f"{found.group(1)}#{found.group(2)}"
    if found:
        return found.group(1).upper()
    host = (parts.hostname or "").lower()
    return host.removeprefix("www.")


def due_words(days: int) -> str:
    """How far off a due date is, as people say it."""
    if days < 0:
        late = -days
        return f"{late} day{'s' if late != 1 else ''} overdue"
    if days == 0:
        return "Due today"
    if days == 1:
        return "Due tomorrow"
    if days < 14:
        return f"In {days} days"
    if days < 61:
        return f"In {days // 7} weeks"
    return f"In {round(days / 30.4)} months"


@dataclass
class Row:
    """One item as a table row shows it."""

    item: ActionItem
    url: str
    today: date
    may_status: bool
    status_form: FormState | None = None  # a refused status change, shown again
    ticket: object | None = None  # its issue tracker's sync (``TICKET_SYNC``), if linked

    @property
    def number(self) -> int:
        return self.item.number

    @property
    def form_prefix(self) -> str:
        return f"ai-edit-{self.item.number}"

    @property
    def delete_url(self) -> str:
        return self.url + "delete/"

    @cached_property
    def flags(self) -> list[str]:
        return selectors.missing_flags(self.item)

    @property
    def no_owner(self) -> bool:
        return "No owner" in self.flags

    @property
    def no_due_date(self) -> bool:
        return "No due date" in self.flags

    @property
    def no_success_criteria(self) -> bool:
        return "No success criteria" in self.flags

    @cached_property
    def vague(self):
        """``language.vague_action_item``'s finding for an open item: a wish, an exhortation
        or a generic chore, with its rationale and a concrete rewording."""
        return None if self.item.is_closed else vague_action_item(self.item.description)

    @property
    def hint(self) -> str:
        return self.vague.rule.rationale if self.vague else ""

    @cached_property
    def ticket_kind(self) -> str:
        return selectors.ticket_kind(self.item.ticket_url)

    @property
    def ticket_ref(self) -> str:
        return ticket_ref(self.item.ticket_url, self.ticket_kind) if self.ticket_kind else ""

    @property
    def is_overdue(self) -> bool:
        due = self.item.due_date
        return due is not None and not self.item.is_closed and due < self.today

    @property
    def due_soon(self) -> bool:
        due = self.item.due_date
        return due is not None and not self.item.is_closed and 0 <= (due - self.today).days <= 6

    @property
    def due_words(self) -> str:
        if self.item.due_date is None or self.item.is_closed:
            return ""
        return due_words((self.item.due_date - self.today).days)

    @property
    def status_value(self) -> str:
        return self.status_form.values["status"] if self.status_form else self.item.status

    @property
    def reason_value(self) -> str:
        if self.status_form:
            return self.status_form.values["wont_do_reason"]
        return self.item.wont_do_reason

    @property
    def status_errors(self) -> list[str]:
        """A refused change's messages, but the reason's (shown under its field)."""
        if not self.status_form:
            return []
        errors = self.status_form.errors
        others = [m for name, ms in errors.items() if name != "wont_do_reason" for m in ms]
        return [*others, *self.status_form.non_field]

    @property
    def reason_errors(self) -> list[str]:
        return self.status_form.errors.get("wont_do_reason", []) if self.status_form else []


@dataclass(frozen=True)
class Counts:
    open: int = 0
    completed: int = 0
    wont_do: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.open + self.completed + self.wont_do


@dataclass
class ActionItemsPage:
    """A postmortem's items, drawn section by section in the editor or the read view."""

    postmortem: Postmortem
    rights: ItemRights
    today: date
    items: list[ActionItem]
    section_keys: list[str] = field(default_factory=list)  # its action-items sections
    tickets: dict[int, object] = field(default_factory=dict)  # by item id (``tickets_of``)

    @cached_property
    def urls(self) -> dict[str, str]:
        kwargs = {"org_slug": self.postmortem.organization.slug, "number": self.postmortem.number}
        return {
            "list": reverse("postmortem_action_items", kwargs=kwargs),
            "item": reverse("postmortem_action_item", kwargs={**kwargs, "item": NUMBER_SLOT}),
            "repeats": reverse("postmortem_action_item_repeats", kwargs=kwargs),
            "members": reverse("member_search", kwargs={"org_slug": kwargs["org_slug"]})
            + "?role=editor",
        }

    def row(self, item: ActionItem, status_form: FormState | None = None) -> Row:
        return Row(
            item=item,
            url=self.urls["item"].replace(str(NUMBER_SLOT), str(item.number)),
            today=self.today,
            may_status=self.rights.may_status(item),
            status_form=status_form,
            ticket=self.tickets.get(item.pk),
        )

    @cached_property
    def rows_by_section(self) -> dict[str, list[Row]]:
        """Rows by section key; items of no action-items section (added through the API)
        are listed in the first one, so that none is hidden."""
        first = self.section_keys[0] if self.section_keys else ""
        known = set(self.section_keys)
        grouped: dict[str, list[Row]] = {}
        for item in self.items:
            key = item.section_key if item.section_key in known else first
            grouped.setdefault(key, []).append(self.row(item))
        return grouped

    @cached_property
    def counts(self) -> Counts:
        items = self.items
        return Counts(
            open=sum(not i.is_closed for i in items),
            completed=sum(i.status == ItemStatus.COMPLETED for i in items),
            wont_do=sum(i.status == ItemStatus.WONT_DO for i in items),
            overdue=sum(
                not i.is_closed and i.due_date is not None and i.due_date < self.today
                for i in items
            ),
        )

    @cached_property
    def ticketless(self) -> int:
        """How many open items have no tracker ticket yet."""
        return sum(not i.is_closed and i.pk not in self.tickets for i in self.items)

    @cached_property
    def ticket_tracker(self) -> str:
        """Where "Create tickets for all" sends them, for an editor with items to send ("" when
        no tracker is connected, or nothing to send). Asked of every editor's page, items or
        none, so that its queries do not depend on the postmortem's items."""
        if not self.rights.can_edit:
            return ""
        names = hooks.answers(
            TICKET_TRACKER, organization=self.postmortem.organization, postmortem=self.postmortem
        )
        tracker = next((name for name in names if name), "")
        return tracker if self.ticketless else ""

    @property
    def first_section(self) -> str:
        for key in self.section_keys:
            if self.rows_by_section.get(key):
                return key
        return self.section_keys[0] if self.section_keys else ""


@dataclass
class Block:
    """One action-items section's table (``_rows.html``), in the editor or the read view."""

    page: ActionItemsPage
    section: Section | None
    mode: str = "edit"
    add: FormState | None = None  # the add form as posted, when it was refused
    focus_add: bool = False

    @property
    def key(self) -> str:
        return self.section.key if self.section else ""

    @property
    def rows(self) -> list[Row]:
        if self.section is None:
            return [row for rows in self.page.rows_by_section.values() for row in rows]
        return self.page.rows_by_section.get(self.section.key, [])

    @property
    def editable(self) -> bool:
        return self.mode == "edit" and self.page.rights.can_edit

    @property
    def add_form(self) -> FormState:
        return self.add or FormState.blank(self.key)

    @property
    def columns(self) -> int:
        return 6 if self.editable else 5

    @property
    def others_have_items(self) -> bool:
        return bool(self.page.items)

    @property
    def choices(self) -> dict:
        return CHOICES


def tickets_of(postmortem: Postmortem) -> dict[int, object]:
    """The tracker tickets of the postmortem's items, in one question whatever its rows (so a
    page's queries do not depend on them)."""
    found: dict[int, object] = {}
    for answer in hooks.answers(
        TICKET_SYNC, organization=postmortem.organization, postmortem=postmortem
    ):
        found.update(answer)
    return found


def items_of(postmortem: Postmortem) -> list[ActionItem]:
    """The postmortem's items with their owners, in document order: every section's rows in
    one query."""
    return list(
        ActionItem.objects.filter(organization=postmortem.organization, postmortem=postmortem)
        .select_related("owner")
        .order_by("position", "id")
    )


def load_page(
    request: HttpRequest,
    postmortem: Postmortem,
    section_keys: list[str],
    *,
    access: Access | None = None,
    items: list[ActionItem] | None = None,
    rights: ItemRights | None = None,
) -> ActionItemsPage:
    if items is None:
        items = items_of(postmortem)
    for item in items:
        item.postmortem = postmortem
    return ActionItemsPage(
        postmortem=postmortem,
        rights=rights or rights_of(request, postmortem, access),
        today=selectors.today_in(postmortem.organization),
        items=items,
        section_keys=section_keys,
        tickets=tickets_of(postmortem),
    )


def action_items_context(
    request, postmortem, sections, *, access: Access | None = None, items=None
) -> dict:
    """Context for the action-items tables of the editor and the read view: one query for the
    items (with their owners), one more for the reader's object permissions when their role
    and authorship do not settle the rights (none when ``access`` is given), and for an editor
    where "Create tickets for all" would send them, items or none."""
    keys = [s.key for s in sections if s.kind == SectionKind.ACTION_ITEMS]
    page = load_page(request, postmortem, keys, access=access, items=items)
    if keys:
        page.ticket_tracker  # noqa: B018 -- asked with items or none: the page's queries stay put
    return {
        "ai_page": page,
        "action_items_by_section": {k: rows for k, rows in page.rows_by_section.items() if rows},
    }


def with_item_counts(postmortems: list[Postmortem], organization) -> list[Postmortem]:
    """The list page's rows with ``item_counts`` (open, completed, overdue): one query."""
    if postmortems:
        counts = selectors.postmortem_item_counts(
            [p.pk for p in postmortems], selectors.today_in(organization)
        )
        for postmortem in postmortems:
            postmortem.item_counts = counts.get(postmortem.pk)
    return postmortems
