from django import forms
from django.core.exceptions import ValidationError

from organizations.models import Severity

from .models import AlertRule, SourceKind


class EndpointForm(forms.Form):
    """An alert endpoint's name and what its alerts do."""

    name = forms.CharField(
        max_length=80,
        error_messages={"required": "Give the endpoint a name, e.g. “Production Alertmanager”."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    alert_rule = forms.ChoiceField(
        choices=AlertRule.choices,
        initial=AlertRule.OPEN,
        label="When the alert's service has no open incident",
    )
    default_severity = forms.ChoiceField(
        choices=Severity.choices, initial=Severity.SEV3, label="Severity of opened incidents"
    )
    severity_map = forms.CharField(
        required=False,
        label="Severity by the alert's “severity” label",
        help_text="One per line, label value = severity, e.g. “critical = SEV1”. "
        "Other values get the severity above.",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "critical = SEV1\nwarning = SEV3"}),
    )

    def clean_severity_map(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["severity_map"].splitlines(), 1):
            if not line.strip():
                continue
            label, sep, severity = line.partition("=")
            label, severity = label.strip().lower(), severity.strip().upper()
            if not sep or not label or severity not in Severity.values:
                raise ValidationError(f"Line {number}: write “label value = SEV1” (SEV1 to SEV4).")
            if len(label) > 40:
                raise ValidationError(f"Line {number}: the label value is too long.")
            mapping[label] = severity
        if len(mapping) > 20:
            raise ValidationError("At most 20 lines.")
        return mapping


class EndpointCreateForm(EndpointForm):
    """A new endpoint: which tool posts to it (fixed once created), then the rest."""

    kind = forms.ChoiceField(
        choices=SourceKind.choices,
        initial=SourceKind.ALERTMANAGER,
        required=False,
        label="Sent by",
    )
    field_order = ["kind", "name"]

    def clean_kind(self) -> str:
        # A browser always sends the select's value; a script that leaves it out means
        # Alertmanager, the first source there was.
        return self.cleaned_data["kind"] or SourceKind.ALERTMANAGER


def severity_map_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{label} = {severity}" for label, severity in mapping.items())
