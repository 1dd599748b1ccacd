"""Forms of the action-item tracker: its query string (filters, sort, page), the inline status
change and the bulk change. They parse input; the services decide what is allowed."""

from dataclasses import dataclass, field
from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict

from incidents.models import Severity
from organizations.models import Membership, Organization

from . import selectors
from .models import ItemStatus, Priority
from .services import past_due_date_error

User = get_user_model()

ACTIVE = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
URGENT = "urgent"  # the priority filter's "critical or high"
URGENT_PRIORITIES = (Priority.CRITICAL.value, Priority.HIGH.value)
ALL_STATUSES = "all"
DUE_LABELS = {
    "overdue": "Overdue",
    "this_week": "Due this week",
    "upcoming": "Due later",
    "none": "No due date",
}
FLAG_LABELS = {"unowned": "Unowned", "undated": "No due date"}
# The filters a summary card sets; the cards count over every other filter.
CARD_FILTERS = ("status", "due", "flag")
MAX_BULK_ITEMS = 500


class RepeatedSelect(forms.Select):
    """A single-choice ``<select>`` that also reads a repeated parameter
    (``?status=OPEN&status=IN_PROGRESS``), as shared links and the API write them."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else [value] if value else []


class TrackerFilterForm(forms.Form):
    """The tracker's query string. Invalid values are ignored rather than refused, so an old
    bookmark still opens."""

    owner = forms.CharField(
        required=False,
        max_length=150,
        label="Owner",
        widget=forms.TextInput(
            attrs={"placeholder": "Anyone", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    status = forms.MultipleChoiceField(
        required=False,
        label="Status",
        choices=[("", "Open & in progress"), *ItemStatus.choices, (ALL_STATUSES, "Any status")],
        widget=RepeatedSelect,
    )
    priority = forms.MultipleChoiceField(
        required=False,
        label="Priority",
        choices=[("", "Any priority"), (URGENT, "Critical or high"), *Priority.choices],
        widget=RepeatedSelect,
    )
    due = forms.ChoiceField(
        required=False, label="Due", choices=[("", "Any time"), *DUE_LABELS.items()]
    )
    severity = forms.ChoiceField(
        required=False, label="Severity", choices=[("", "Any severity"), *Severity.choices]
    )
    service = forms.ChoiceField(required=False, label="Service")
    postmortem = forms.IntegerField(
        required=False,
        min_value=1,
        label="Postmortem",
        widget=forms.NumberInput(attrs={"placeholder": "#", "inputmode": "numeric"}),
    )
    flag = forms.ChoiceField(
        required=False, choices=[("", ""), *FLAG_LABELS.items()], widget=forms.HiddenInput
    )
    mine = forms.BooleanField(required=False, widget=forms.HiddenInput)
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in selectors.SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, data: QueryDict, *, service_names: list[str]):
        super().__init__(data)
        # Lists the fields offer as one choice, however they are written in the URL
        if set(self.data.getlist("status")) == set(ACTIVE):  # the default
            self.data = self.data.copy()
            self.data.setlist("status", [])
        if set(self.data.getlist("priority")) == set(URGENT_PRIORITIES):
            self.data = self.data.copy()
            self.data.setlist("priority", [URGENT])
        self.fields["service"].choices = [("", "Any service")] + [(n, n) for n in service_names]
        self.is_valid()

    def value(self, name: str):
        """The cleaned value, or the field's empty value when the input was invalid."""
        return self.cleaned_data.get(name) or self.fields[name].to_python(None)

    def query(self, *, user, can_track: bool) -> "TrackerQuery":
        statuses = [s for s in self.value("status") if s]
        if not statuses:
            statuses = list(ACTIVE)
        elif ALL_STATUSES in statuses:
            statuses = []
        owner = (self.value("owner") or "").strip().lstrip("@")
        return TrackerQuery(
            mine=self.value("mine") or not can_track,
            user=user,
            status=statuses,
            priority=expand_priorities(self.value("priority")),
            owner=owner,
            due=self.value("due") or "",
            severity=self.value("severity") or "",
            service=self.value("service") or "",
            postmortem=self.value("postmortem"),
            flag=self.value("flag") or "",
            sort=self.value("sort") or "severity",
        )


def expand_priorities(values: list[str]) -> list[str]:
    priorities = []
    for value in values:
        priorities += URGENT_PRIORITIES if value == URGENT else [value] if value else []
    return list(dict.fromkeys(priorities))


@dataclass
class TrackerQuery:
    """What the tracker shows: its filters (as ``selectors.tracker_items`` takes them), sort."""

    mine: bool
    user: object
    status: list[str] = field(default_factory=lambda: list(ACTIVE))
    priority: list[str] = field(default_factory=list)
    owner: str = ""
    due: str = ""
    severity: str = ""
    service: str = ""
    postmortem: int | None = None
    flag: str = ""
    sort: str = "severity"

    def filters(self, *, for_cards: bool = False) -> dict:
        """``selectors.tracker_items``'s filters; ``for_cards``: without the filters the summary
        cards set (status, due bucket, flag), which they count across."""
        filters = {
            "status": self.status,
            "priority": self.priority,
            "owner": self.owner,
            "due": self.due,
            "severity": self.severity,
            "service": self.service,
            "postmortem": self.postmortem,
            "flag": self.flag,
        }
        if self.mine:
            filters["mine"] = self.user
        if for_cards:
            for name in CARD_FILTERS:
                filters.pop(name)
        return filters

    def cache_parameters(self, *, for_cards: bool = False) -> tuple:
        filters = self.filters(for_cards=for_cards)
        filters["mine"] = self.mine
        return tuple(sorted((name, repr(value)) for name, value in filters.items()))

    def total_from(self, summary: selectors.Summary) -> int | None:
        """How many items this view lists, when the summary of its cards already counts it
        (the default view, and every view a card opens); None otherwise."""
        if self.flag:
            if self.due or self.status != list(ACTIVE):
                return None
            return {"unowned": summary.unowned, "undated": summary.undated}[self.flag]
        if self.due:
            counted = {
                "overdue": summary.overdue,
                "this_week": summary.due_this_week,
                "none": summary.undated,
            }
            return counted.get(self.due) if self.status == list(ACTIVE) else None
        per_status = {
            ItemStatus.OPEN.value: summary.open,
            ItemStatus.IN_PROGRESS.value: summary.in_progress,
            ItemStatus.COMPLETED.value: summary.completed,
        }
        if not self.status or any(status not in per_status for status in self.status):
            return None
        return sum(per_status[status] for status in set(self.status))

    @property
    def is_filtered(self) -> bool:
        """Narrowed beyond the default view (open or in-progress items, everyone's or mine)."""
        return bool(
            self.status != list(ACTIVE)
            or self.priority
            or self.owner
            or self.due
            or self.severity
            or self.service
            or self.postmortem
            or self.flag
        )

    def params(self, **changes) -> QueryDict:
        """This query as URL parameters, with ``changes`` (a value of ``None`` drops it)."""
        values: dict[str, list] = {
            "mine": ["1"] if self.mine else [],
            "status": [] if self.status == list(ACTIVE) else self.status or [ALL_STATUSES],
            "priority": self.priority,
            "owner": [self.owner] if self.owner else [],
            "due": [self.due] if self.due else [],
            "severity": [self.severity] if self.severity else [],
            "service": [self.service] if self.service else [],
            "postmortem": [self.postmortem] if self.postmortem else [],
            "flag": [self.flag] if self.flag else [],
            "sort": [self.sort] if self.sort != "severity" else [],
        }
        for name, value in changes.items():
            values[name] = [] if value is None else value if isinstance(value, list) else [value]
        query = QueryDict(mutable=True)
        for name, value in values.items():
            if value:
                query.setlist(name, [str(v) for v in value])
        return query


# --- Changes ------------------------------------------------------------------------------------


class StatusForm(forms.Form):
    """The inline status change of one row."""

    status = forms.ChoiceField(choices=ItemStatus.choices)
    wont_do_reason = forms.CharField(required=False, max_length=5000, label="Why not?")

    def changes(self) -> dict:
        changes = {"status": self.cleaned_data["status"]}
        if changes["status"] == ItemStatus.WONT_DO:
            changes["wont_do_reason"] = self.cleaned_data["wont_do_reason"].strip()
        return changes


class MemberField(forms.CharField):
    """A member of the organization, typed as a username (the autocomplete offers them)."""

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean(self, value):
        username = (super().clean(value) or "").strip().lstrip("@")
        if not username:
            return None
        membership = (
            Membership.objects.filter(organization=self.organization, user__username=username)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise forms.ValidationError(
                f"No member of this organization is called “{username}”: pick one from the list."
            )
        return membership.user


class NumberListField(forms.Field):
    """Repeated item numbers (the checked rows). Which exist and are visible is the view's
    business."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(number) for number in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError("Select action items from the tracker.") from None


class BulkChangeForm(forms.Form):
    """Selected items and one change to make to all of them: a new owner, a new due date, or
    a new status (with the reason when it is won't-do)."""

    CHANGES = {"owner": "Reassign", "due_date": "Reschedule", "status": "Change status"}

    items = NumberListField(required=False)
    change = forms.ChoiceField(choices=list(CHANGES.items()))
    owner = MemberField(
        required=False,
        max_length=150,
        label="New owner",
        widget=forms.TextInput(
            attrs={"placeholder": "Name or username", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    due_date = forms.DateField(
        required=False, label="New due date", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        required=False, label="New status", choices=[("", "Choose…"), *ItemStatus.choices]
    )
    wont_do_reason = forms.CharField(
        required=False,
        max_length=5000,
        label="Why won't they be done?",
        widget=forms.TextInput(attrs={"placeholder": "Reason (for won't do)"}),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, organization: Organization, today: date):
        super().__init__(data)
        self.today = today
        self.fields["owner"].organization = organization

    def clean_items(self) -> list[int]:
        numbers = list(dict.fromkeys(n for n in self.cleaned_data["items"] if n > 0))
        if not numbers:
            raise forms.ValidationError("Select at least one action item.")
        if len(numbers) > MAX_BULK_ITEMS:
            raise forms.ValidationError(f"Change at most {MAX_BULK_ITEMS} items at a time.")
        return numbers

    def clean(self):
        data = super().clean()
        change = data.get("change")
        if change == "owner" and not data.get("owner") and "owner" not in self.errors:
            self.add_error("owner", "Name the member who will own these items.")
        if change == "due_date" and "due_date" not in self.errors:
            due = data.get("due_date")
            if due is None:
                self.add_error("due_date", "Pick the new due date.")
            elif past_due_date_error(due, today=self.today):
                self.add_error("due_date", past_due_date_error(due, today=self.today))
        if change == "status":
            status = data.get("status")
            if not status:
                self.add_error("status", "Pick the new status.")
            elif status == ItemStatus.WONT_DO and not data.get("wont_do_reason", "").strip():
                self.add_error("wont_do_reason", "Say why these won't be done.")
        return data

    def changes(self) -> dict:
        change = self.cleaned_data["change"]
        if change == "status":
            changes = {"status": self.cleaned_data["status"]}
            if changes["status"] == ItemStatus.WONT_DO:
                changes["wont_do_reason"] = self.cleaned_data["wont_do_reason"].strip()
            return changes
        return {change: self.cleaned_data[change]}
