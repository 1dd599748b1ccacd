"""Forms for the incident pages. They parse input; the services decide what is allowed.

Times come from ``datetime-local`` inputs and are read in the current time zone, which the
tenant middleware sets to the organization's.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from organizations.models import Organization
from organizations.validators import refuse_reversed_range, validate_text_size

from . import selectors
from .models import EntryKind, Incident, LinkType, Relationship, Severity, Status

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
HTTP_URL_MESSAGE = "Use an http:// or https:// link."
HTTP_URL = URLValidator(schemes=["http", "https"], message=HTTP_URL_MESSAGE)
FLAG_FIELDS = ("customer_impact", "data_loss", "security", "near_miss")
SORT_LABELS = {
    "-started_at": "Newest first",
    "started_at": "Oldest first",
    "severity": "Most severe first",
    "-severity": "Least severe first",
    "status": "By status",
    "-duration": "Longest first",
    "duration": "Shortest first",
}


class MinuteDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` time, to the minute. A stored time with seconds counts as unchanged
    while its minute is, so saving a form never truncates times nobody touched."""

    def has_changed(self, initial, data) -> bool:
        try:
            value = self.to_python(data)
        except ValidationError:
            return True
        return _minute(initial) != _minute(value)


def _minute(moment):
    return moment.replace(second=0, microsecond=0) if moment else None


def datetime_field(label: str, *, required: bool = False, help_text: str = "") -> forms.Field:
    return MinuteDateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class HttpURLField(forms.URLField):
    """An http(s) URL: one clear message for any other scheme."""

    default_validators = [HTTP_URL]
    default_error_messages = {"invalid": HTTP_URL_MESSAGE}


def http_url_field(label: str, *, required: bool = False) -> forms.Field:
    return HttpURLField(
        label=label,
        required=required,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )


def now_for_input():
    return timezone.localtime().replace(second=0, microsecond=0)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on the named fields when the form has
    them, on the form as a whole otherwise."""
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else None, messages)


class ServiceNamesField(forms.CharField):
    """Comma-separated service names: existing ones are reused, new ones created."""

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return list(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value


class CommanderField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        full_name = user.get_full_name()
        return f"{full_name} (@{user.get_username()})" if full_name else user.get_username()


class IncidentForm(forms.Form):
    """Declaring an incident; ``IncidentEditForm`` adds the later timestamps."""

    title = forms.CharField(
        max_length=200,
        widget=forms.TextInput(
            attrs={"autofocus": True, "placeholder": "Checkout fails for card payments"}
        ),
    )
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.SEV2)
    services = ServiceNamesField(
        required=False,
        help_text="Comma-separated. Pick existing services or type new names to add them.",
        widget=forms.TextInput(
            attrs={"list": "service-options", "placeholder": "payments-api, checkout"}
        ),
    )
    commander = CommanderField(queryset=None, required=False, empty_label="Nobody yet")
    started_at = datetime_field(
        "Impact started", help_text="When customers were first affected. Empty: now."
    )
    detected_at = datetime_field("Detected", help_text="When someone or something noticed.")
    description = forms.CharField(
        required=False,
        validators=[validate_text_size],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown. What is happening, who is affected, what is known so far.",
    )
    customer_impact = forms.BooleanField(required=False, label="Customer impact")
    data_loss = forms.BooleanField(required=False, label="Data loss")
    security = forms.BooleanField(required=False, label="Security incident")
    near_miss = forms.BooleanField(required=False, label="Near miss (no actual impact)")

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commander"].queryset = selectors.commander_choices(organization=organization)
        self.service_names = selectors.service_names(organization=organization)

    def flag_fields(self):
        return [self[name] for name in FLAG_FIELDS]


class IncidentEditForm(IncidentForm):
    acknowledged_at = datetime_field("Acknowledged")
    mitigated_at = datetime_field("Mitigated")
    resolved_at = datetime_field("Resolved")

    field_order = [
        "title",
        "severity",
        "services",
        "commander",
        "started_at",
        "detected_at",
        "acknowledged_at",
        "mitigated_at",
        "resolved_at",
        "description",
    ]

    def __init__(self, *args, incident: Incident, organization: Organization, **kwargs):
        kwargs.setdefault("initial", initial_for(incident))
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["title"].widget.attrs.pop("autofocus", None)
        if incident.status != Status.RESOLVED:
            self.fields["resolved_at"].disabled = True
            self.fields["resolved_at"].help_text = "Set when the incident is resolved."


def initial_for(incident: Incident) -> dict:
    fields = ("title", "severity", "description", "commander", *FLAG_FIELDS)
    times = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")
    initial = {name: getattr(incident, name) for name in fields}
    initial.update({name: _local(getattr(incident, name)) for name in times})
    initial["services"] = [link.service.name for link in incident.service_links.all()]
    return initial


def _local(moment):
    return timezone.localtime(moment) if moment else None


class TimelineEntryForm(forms.Form):
    occurred_at = datetime_field("When", required=True)
    kind = forms.ChoiceField(choices=EntryKind.choices, initial=EntryKind.NOTE)
    description = forms.CharField(
        validators=[validate_text_size],
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What happened? Markdown works."}),
        error_messages={"required": "Say what happened."},
    )
    evidence_url = http_url_field("Evidence link")
    actor_name = forms.CharField(
        max_length=80,
        required=False,
        label="System actor",
        help_text="A system name (e.g. PagerDuty), if this was not you.",
    )
    is_key_event = forms.BooleanField(required=False, label="Key event")

    @classmethod
    def for_entry(cls, entry, data=None) -> "TimelineEntryForm":
        initial = {
            "occurred_at": timezone.localtime(entry.occurred_at),
            "kind": entry.kind,
            "description": entry.description,
            "evidence_url": entry.evidence_url,
            "actor_name": entry.actor_name,
            "is_key_event": entry.is_key_event,
        }
        form = cls(data, initial=initial, prefix=f"entry-{entry.pk}")
        if entry.actor_id:
            del form.fields["actor_name"]  # a person's entry stays theirs
        if entry.follows:
            occurred_at = form.fields["occurred_at"]
            occurred_at.disabled = True
            occurred_at.help_text = (
                f"Follows the incident's {entry.get_follows_display()}: correct it there."
            )
        return form

    @classmethod
    def blank(cls, data=None) -> "TimelineEntryForm":
        return cls(data, initial={"occurred_at": now_for_input()}, prefix="new-entry")


class LinkForm(forms.Form):
    type = forms.ChoiceField(choices=LinkType.choices, label="Type")
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"placeholder": "Title"}))
    url = http_url_field("URL")
    external_id = forms.CharField(max_length=120, required=False, label="External id")
    relationship = forms.ChoiceField(choices=Relationship.choices, initial=Relationship.RELATED)
    occurred_at = datetime_field("When")

    prefix = "link"


class IncidentFilterForm(forms.Form):
    """The list page's query string. Invalid values are ignored rather than refused."""

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Search titles…"}),
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "Any severity"), *Severity.choices], required=False)
    service = forms.ChoiceField(required=False)
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort",
        choices=[(key, SORT_LABELS.get(key, key)) for key in selectors.SORTS],
    )

    def __init__(self, data, *, service_names: list[str]):
        super().__init__(data)
        self.fields["service"].choices = [("", "Any service")] + [(n, n) for n in service_names]

    def clean(self):
        cleaned = super().clean()
        refuse_reversed_range(self, "date_from", "date_to")
        return cleaned

    def to_filters(self) -> selectors.IncidentFilters:
        self.is_valid()
        values = {name: self.cleaned_data.get(name) for name in self.fields}
        return selectors.IncidentFilters(
            status=values["status"] or "",
            severity=values["severity"] or "",
            service=values["service"] or "",
            q=(values["q"] or "").strip(),
            date_from=values["date_from"],
            date_to=values["date_to"],
            sort=values["sort"] or "-started_at",
        )

    @property
    def is_filtered(self) -> bool:
        self.is_valid()
        keys = ("q", "status", "severity", "service", "date_from", "date_to")
        return any(self.cleaned_data.get(key) for key in keys)
