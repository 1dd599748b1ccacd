"""The mapping form of a generic endpoint: shapes only (each path parsed, the status and
severity tables read, the sample that "Try mapping" reads, never saved); the rules (which
fields a mapping needs) are the service's."""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from incidents.models import Service
from organizations.models import Organization, Severity

from ..intake.forms import severity_table, value_table, value_table_text
from .mapping import FIELDS, STATUS_CHANGES, Mapping
from .models import PATH_LIMIT, FieldMapping
from .paths import PathError, compile_path

SAMPLE_LIMIT = 100_000


class PathField(forms.CharField):
    """A path of the mapping's language, checked by parsing it."""

    def __init__(self, *, placeholder: str, **kwargs) -> None:
        attrs = {
            "class": "mono",
            "autocomplete": "off",
            "spellcheck": "false",
            "autocapitalize": "off",
            "placeholder": placeholder,
        }
        super().__init__(
            max_length=PATH_LIMIT, required=False, widget=forms.TextInput(attrs=attrs), **kwargs
        )

    def validate(self, value: str) -> None:
        super().validate(value)
        if value:
            try:
                compile_path(value)
            except PathError as error:
                raise ValidationError(str(error)) from None


class MappingForm(forms.Form):
    incident_id_path = PathField(
        label="Incident id",
        placeholder="$.incident.id",
        help_text="The tool's id of its incident: events with the same id move one Hindsight "
        "incident.",
    )
    service_path = PathField(
        label="Service",
        placeholder="$.alerts[0].labels.service",
        help_text="The name of a Hindsight service.",
    )
    fixed_service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        required=False,
        label="Fixed service",
        empty_label="None",
        help_text="Used when there is no service path, or when it finds nothing.",
    )
    status_path = PathField(
        label="Status or event type",
        placeholder="$.status",
        help_text="Without it, every event opens (or finds) the incident.",
    )
    status_values = forms.CharField(
        required=False,
        label="Status values",
        help_text="One per line, value = triggered, acknowledged, resolved or note.",
        widget=forms.Textarea(
            attrs={"rows": 4, "class": "mono", "placeholder": "firing = triggered\nok = resolved"}
        ),
    )
    title_path = PathField(label="Title", placeholder="$.data.title")
    event_id_path = PathField(
        label="Event id",
        placeholder="$.event.id",
        help_text="Without it, a hash of the whole body: the same body twice acts once.",
    )
    time_path = PathField(
        label="Time",
        placeholder="$.data.created_at",
        help_text="ISO 8601 with a zone, or seconds or milliseconds since 1970. Without it, the "
        "time the event is processed.",
    )
    url_path = PathField(label="URL", placeholder="$.data.html_url")
    note_path = PathField(
        label="Note text",
        placeholder="$.data.message",
        help_text="The timeline entry of a note.",
    )
    responders_path = PathField(
        label="Responder emails",
        placeholder="$.responders[*].email",
        help_text="Members with these addresses join the incident.",
    )
    level_path = PathField(label="Severity level", placeholder="$.data.priority")
    default_severity = forms.ChoiceField(
        choices=Severity.choices, label="Severity of opened incidents"
    )
    severity_map = forms.CharField(
        required=False,
        label="Severity by level",
        help_text="One per line, level = severity, e.g. “p1 = SEV1”. Other levels get the "
        "severity above.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "placeholder": "p1 = SEV1"}),
    )
    sample = forms.CharField(
        required=False,
        max_length=SAMPLE_LIMIT,
        label="Sample payload",
        help_text="Paste a body the tool sends; “Try mapping” reads it without saving anything.",
        widget=forms.Textarea(attrs={"rows": 10, "class": "mono", "spellcheck": "false"}),
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        services = Service.objects.filter(organization=organization).order_by("name")
        self.fields["fixed_service"].queryset = services

    def clean_status_values(self) -> dict[str, str]:
        return value_table(
            self.cleaned_data["status_values"],
            targets=STATUS_CHANGES,
            example="“value = triggered” (triggered, acknowledged, resolved or note)",
            limit=30,
        )

    def clean_severity_map(self) -> dict[str, str]:
        return severity_table(self.cleaned_data["severity_map"])

    def clean_sample(self) -> Any:
        """The sample's JSON (None when empty)."""
        text = self.cleaned_data["sample"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValidationError(f"The sample is not JSON: {error}.") from None
        if not isinstance(data, dict):
            raise ValidationError("The sample is not a JSON object (deliveries must be one).")
        return data

    def mapping(self) -> Mapping:
        """The mapping as typed (for a valid form)."""
        data = self.cleaned_data
        service = data.get("fixed_service")
        return Mapping(
            paths={each.name: data.get(f"{each.name}_path", "") for each in FIELDS},
            status_values=data.get("status_values") or {},
            fixed_service=service.name if service else "",
        )

    def saved(self) -> dict[str, Any]:
        """What ``services.mapping_save`` takes."""
        data = self.cleaned_data
        return {
            "paths": {each.name: data[f"{each.name}_path"] for each in FIELDS},
            "fixed_service": data["fixed_service"],
            "status_values": data["status_values"],
            "default_severity": data["default_severity"],
            "severity_map": data["severity_map"],
        }


def initial_of(record: FieldMapping | None, endpoint) -> dict[str, Any]:
    """The form's values for the saved mapping (or none) and the endpoint's severity table."""
    initial: dict[str, Any] = {
        "default_severity": endpoint.default_severity,
        "severity_map": value_table_text(endpoint.severity_map),
    }
    if record is not None:
        initial |= {f"{each.name}_path": getattr(record, f"{each.name}_path") for each in FIELDS}
        initial |= {
            "fixed_service": record.fixed_service_id,
            "status_values": value_table_text(record.status_values),
        }
    return initial
