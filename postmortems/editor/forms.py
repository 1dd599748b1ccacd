"""Forms of the postmortem editor: creating a postmortem, and the structured sections' editors.

Forms parse and validate what the browser sends; the services write. A structured editor is a
formset over the rows of a section's ``data`` (timeline rows, whys, factors). Row operations
(add, remove, move, undo a removal, pull in from the incident) arrive as ``op`` (``"add"``,
``"delete:3"``, ``"up:2"`` …) together with the rows as the writer sees them, so an operation
never loses an edit that was not saved yet.
"""

import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.models import Incident
from organizations.models import Organization
from postmortems import selectors
from postmortems.editor.services import Impact
from postmortems.models import SectionKind, Template

FACTOR_LEVELS = [
    ("primary", "Primary"),
    ("secondary", "Secondary"),
    ("environmental", "Environmental"),
]
FACTOR_CATEGORIES = [
    ("code", "Code"),
    ("config", "Config"),
    ("infrastructure", "Infrastructure"),
    ("dependencies", "Dependencies"),
    ("testing", "Testing"),
    ("review", "Review"),
    ("deployment", "Deployment"),
    ("monitoring", "Monitoring"),
    ("knowledge", "Knowledge"),
    ("communication", "Communication"),
    ("resources", "Resources"),
    ("incentives", "Incentives"),
]
ROW_OPS = {"add", "delete", "up", "down", "undo", "pull", "reload"}
# Operations that take rows away or reorder them: each is a revision of its own.
HISTORY_OPS = {"delete", "up", "down", "undo"}
TEXT_LIMIT = 5000


# --- Creating a postmortem ---------------------------------------------------------------------


class IncidentChoiceField(forms.ModelChoiceField):
    """The primary incident; an incident that has its postmortem already says which."""

    postmortem_numbers: dict[int, int] = {}

    def label_from_instance(self, incident: Incident) -> str:
        number = self.postmortem_numbers.get(incident.pk)
        ref = f"{incident.ref} · has PM-{number}" if number else incident.ref
        return f"{ref} · {incident.severity} · {incident.title}"


class IncidentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, incident: Incident) -> str:
        return f"{incident.ref} · {incident.severity} · {incident.title}"


class PostmortemCreateForm(forms.Form):
    incident = IncidentChoiceField(
        queryset=Incident.objects.none(),
        required=False,
        empty_label="No incident — start a blank postmortem",
        help_text="Its timeline, evidence and charts fill the draft. An incident marked “has "
        "PM-…” is reviewed there; cover it below as a further incident instead.",
    )
    template = forms.ModelChoiceField(
        queryset=Template.objects.none(),
        required=False,
        empty_label="Default for the incident's severity",
    )
    related_incidents = IncidentMultipleChoiceField(
        queryset=Incident.objects.none(),
        required=False,
        label="Further incidents",
        help_text="Other incidents this review covers, for recurring or linked failures.",
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(
        max_length=200,
        required=False,
        help_text="Leave empty to use the incident's reference and title.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        incidents = Incident.objects.filter(organization=organization).order_by("-started_at")
        self.fields["incident"].queryset = incidents
        self.fields["incident"].postmortem_numbers = selectors.primary_postmortem_numbers(
            organization=organization
        )
        self.fields["related_incidents"].queryset = incidents
        self.fields["template"].queryset = selectors.active_templates(
            organization=organization
        ).order_by("name")

    def clean(self):
        cleaned = super().clean()
        primary = cleaned.get("incident")
        related = cleaned.get("related_incidents") or []
        cleaned["related_incidents"] = [i for i in related if i != primary]
        if cleaned["related_incidents"] and primary is None:
            self.add_error(
                "incident", "Choose the primary incident; the others are linked beside it."
            )
        return cleaned


# --- Structured sections -----------------------------------------------------------------------


class TimelineRowForm(forms.Form):
    key = forms.BooleanField(required=False, label="Key event")
    time = forms.DateTimeField(
        label="Time",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "Enter the time.", "invalid": "Enter a date and time."},
    )
    event = forms.CharField(
        label="Event",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": "What happened"}),
    )
    actor = forms.CharField(
        label="Who",
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": "Person or system"}),
    )

    @staticmethod
    def initial_of(row: dict) -> dict:
        moment = _parse_time(row.get("time"))
        return {
            "key": bool(row.get("key")),
            "time": moment,
            "event": str(row.get("event") or ""),
            "actor": str(row.get("actor") or ""),
        }

    @staticmethod
    def row_of(cleaned: dict) -> dict:
        return {
            "time": cleaned["time"].astimezone(UTC).isoformat(),
            "event": lf(cleaned.get("event", "")).strip(),
            "actor": cleaned.get("actor", "").strip(),
            "key": bool(cleaned.get("key")),
        }


class WhyForm(forms.Form):
    why = forms.CharField(
        label="Why?",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": "Why did this happen?"}),
    )
    because = forms.CharField(
        label="Because",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": "Because…"}),
    )

    @staticmethod
    def initial_of(row: dict) -> dict:
        return {"why": str(row.get("why") or ""), "because": str(row.get("because") or "")}

    @staticmethod
    def row_of(cleaned: dict) -> dict:
        return {
            "why": lf(cleaned.get("why", "")).strip(),
            "because": lf(cleaned.get("because", "")).strip(),
        }


class FactorForm(forms.Form):
    title = forms.CharField(
        label="Factor",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "The condition, in a few words"}),
    )
    level = forms.ChoiceField(
        label="Level",
        choices=FACTOR_LEVELS,
        error_messages={
            "required": "Choose a level: primary, secondary or environmental.",
            "invalid_choice": "Choose a level: primary, secondary or environmental "
            "(“%(value)s” is not a level).",
        },
    )
    category = forms.ChoiceField(
        label="Category",
        choices=FACTOR_CATEGORIES,
        error_messages={
            "required": "Choose a category.",
            "invalid_choice": "Choose a category from the list (“%(value)s” is not a category).",
        },
    )
    description = forms.CharField(
        label="What happened and why it mattered",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "What happened, why it mattered, the evidence"}
        ),
    )

    @staticmethod
    def initial_of(row: dict) -> dict:
        return {
            "title": str(row.get("title") or ""),
            "level": row.get("level") or "primary",
            "category": row.get("category") or "code",
            "description": str(row.get("description") or ""),
        }

    @staticmethod
    def row_of(cleaned: dict) -> dict:
        return {
            "title": cleaned.get("title", "").strip(),
            "description": lf(cleaned.get("description", "")).strip(),
            "category": cleaned["category"],
            "level": cleaned["level"],
        }


@dataclass(frozen=True)
class RowEditor:
    """How one structured kind maps its ``data`` onto a formset."""

    field: str  # the list in ``data``: "rows", "whys", "factors"
    form: type[forms.Form]
    max_rows: int
    noun: str  # "event", "why", "factor"


ROW_EDITORS = {
    SectionKind.TIMELINE: RowEditor("rows", TimelineRowForm, 1000, "event"),
    SectionKind.FIVE_WHYS: RowEditor("whys", WhyForm, 25, "why"),
    SectionKind.CONTRIBUTING_FACTORS: RowEditor("factors", FactorForm, 100, "factor"),
}


def rows_formset(section, data=None, rows: list[dict] | None = None):
    """The formset of a structured section: bound to POST ``data``, or showing ``rows`` (by
    default the section's stored rows)."""
    editor = ROW_EDITORS[section.kind]
    formset_class = forms.formset_factory(
        editor.form,
        extra=0,
        max_num=editor.max_rows,
        validate_max=True,
        absolute_max=editor.max_rows + 1,
    )
    prefix = f"s-{section.key}"
    if data is not None:
        return formset_class(data, prefix=prefix)
    if rows is None:
        rows = stored_rows(section)
    return formset_class(initial=[editor.form.initial_of(row) for row in rows], prefix=prefix)


@dataclass(frozen=True)
class TimelineRowView:
    """One timeline row as the editor draws it: its inputs' values and any field errors.

    A timeline may have hundreds of rows; drawing them from these values instead of through
    Django's per-widget templates keeps the editor page fast. Parsing and validation stay with
    ``TimelineRowForm``, whose field names the inputs carry (``<prefix>-time`` …).
    """

    prefix: str
    index: str  # text, not numbers: the template engine localizes every number it prints
    number: str
    key: bool
    time: str
    event: str
    actor: str
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)


def timeline_row_views(formset) -> list[TimelineRowView]:
    """The timeline formset's rows: as posted (with errors) when bound, else as stored."""
    if formset.is_bound:
        return [_bound_row_view(form, index) for index, form in enumerate(formset.forms)]
    return [
        TimelineRowView(
            prefix=f"{formset.prefix}-{index}",
            index=str(index),
            number=str(index + 1),
            key=initial["key"],
            time=_time_input_value(initial["time"]),
            event=initial["event"],
            actor=initial["actor"],
        )
        for index, initial in enumerate(formset.initial or [])
    ]


def _bound_row_view(form, index: int) -> TimelineRowView:
    return TimelineRowView(
        prefix=form.prefix,
        index=str(index),
        number=str(index + 1),
        key=bool(form["key"].value()),
        time=_time_input_value(form["time"].value()),
        event=str(form["event"].value() or ""),
        actor=str(form["actor"].value() or ""),
        errors={name: list(errors) for name, errors in form.errors.items()},
    )


def _time_input_value(value) -> str:
    """What a ``datetime-local`` input shows: a moment in the current time zone, or the text
    the writer typed."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
    return str(value or "")


def stored_rows(section) -> list[dict]:
    value = (section.data or {}).get(ROW_EDITORS[section.kind].field)
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def rows_from(section, formset) -> list[dict]:
    """The rows of a valid formset, in the order the writer sees them."""
    editor = ROW_EDITORS[section.kind]
    return [editor.form.row_of(form.cleaned_data) for form in formset.forms]


def data_with_rows(section, rows: list[dict]) -> dict:
    return {**(section.data or {}), ROW_EDITORS[section.kind].field: rows}


def parse_op(value: str) -> tuple[str, int | None] | None:
    """``"delete:3"`` → ``("delete", 3)``; ``""``, ``"save"`` (the form's default button: a
    plain save) and anything unknown → ``None``."""
    name, _, index = (value or "").partition(":")
    if name not in ROW_OPS:
        return None
    if index:
        return (name, int(index)) if index.isdigit() else None
    return name, None


def rows_apply(rows: list[dict], op: str, index: int | None, blank: dict) -> list[dict]:
    """The rows after a row operation (out-of-range indexes change nothing)."""
    rows = list(rows)
    in_range = index is not None and 0 <= index < len(rows)
    if op == "add":
        rows.append(blank)
    elif op == "delete" and in_range:
        del rows[index]
    elif op == "up" and in_range and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif op == "down" and in_range and index < len(rows) - 1:
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
    return rows


def row_to_restore(section, posted: str) -> dict | None:
    """The deleted row an undo brings back, posted as the JSON the editor was given with the
    delete; checked as the section's row form checks a row. ``None`` when it is not one."""
    try:
        raw = json.loads(posted or "")
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    form_class = ROW_EDITORS[section.kind].form
    form = form_class(data=form_class.initial_of(raw))
    return form_class.row_of(form.cleaned_data) if form.is_valid() else None


def lf(text: str) -> str:
    """Browsers post textarea lines with CRLF; documents are stored with LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse_time(value):
    try:
        moment = parse_datetime(str(value or ""))
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


# --- Impact ------------------------------------------------------------------------------------

SLA_CHOICES = [("", "Not assessed"), ("met", "Met"), ("breached", "Breached")]


class ImpactForm(forms.Form):
    users_affected = forms.IntegerField(
        label="Users affected",
        required=False,
        min_value=0,
        max_value=2_147_483_647,
        widget=forms.NumberInput(attrs={"placeholder": "e.g. 12000", "inputmode": "numeric"}),
    )
    revenue_impact = forms.DecimalField(
        label="Revenue impact",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"placeholder": "0.00", "step": "0.01"}),
    )
    sla_breached = forms.TypedChoiceField(
        label="SLA",
        required=False,
        choices=SLA_CHOICES,
        coerce=lambda value: value == "breached",
        empty_value=None,
    )
    support_tickets = forms.IntegerField(
        label="Support tickets",
        required=False,
        min_value=0,
        max_value=2_147_483_647,
        widget=forms.NumberInput(attrs={"placeholder": "e.g. 40", "inputmode": "numeric"}),
    )

    def __init__(self, *args, prefix: str, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)

    @classmethod
    def for_postmortem(cls, postmortem, *, prefix: str) -> "ImpactForm":
        impact = Impact.of(postmortem)
        sla = {None: "", True: "breached", False: "met"}[impact.sla_breached]
        initial = {
            "users_affected": impact.users_affected,
            "revenue_impact": impact.revenue_impact,
            "sla_breached": sla,
            "support_tickets": impact.support_tickets,
        }
        return cls(initial=initial, prefix=prefix)

    def impact(self) -> Impact:
        return Impact(**self.cleaned_data)
