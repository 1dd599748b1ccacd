"""Forms of the postmortem editor: creating a postmortem, and the structured sections' editors.

Forms parse and validate what the browser sends; the services write. A structured editor is a
formset (``rows``) of these row forms over the rows of a section's ``data``.
"""

from datetime import UTC

from django import forms
from django.utils.dateparse import parse_datetime

from incidents.models import Incident
from organizations.models import Organization
from postmortems import selectors
from postmortems.editor.services import Impact
from postmortems.models import Template

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
