from django import forms
from django.core.exceptions import ValidationError

from organizations.models import Severity

from .models import ALERT_KINDS, AlertRule, SourceKind

ALERT_FIELDS = ("alert_rule", "default_severity", "severity_map")


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

    def __init__(self, *args, kind: str = SourceKind.ALERTMANAGER, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if kind not in ALERT_KINDS:  # a deploy source's endpoint has only its name
            for name in ALERT_FIELDS:
                del self.fields[name]

    def clean_severity_map(self) -> dict[str, str]:
        return severity_map_from_text(self.cleaned_data["severity_map"])


def severity_map_from_text(text: str, *, key: str = "label value") -> dict[str, str]:
    """A severity table written one line each, ``<key> = SEV1``: keys in lower case. Raises
    ``ValidationError`` naming the first line that is not of that shape."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        label, sep, severity = line.partition("=")
        label, severity = label.strip().lower(), severity.strip().upper()
        if not sep or not label or severity not in Severity.values:
            raise ValidationError(f"Line {number}: write “{key} = SEV1” (SEV1 to SEV4).")
        if len(label) > 40:
            raise ValidationError(f"Line {number}: the {key} is too long.")
        mapping[label] = severity
    if len(mapping) > 20:
        raise ValidationError("At most 20 lines.")
    return mapping


def severity_map_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{label} = {severity}" for label, severity in mapping.items())


class NewEndpointForm(EndpointForm):
    """A new endpoint: which tool posts to it (fixed once created), its name and, for the alert
    sources, what their alerts do (the deploy tools' endpoints ignore those)."""

    field_order = ["kind", "name"]

    kind = forms.ChoiceField(
        choices=SourceKind.choices,
        initial=SourceKind.ALERTMANAGER,
        required=False,
        label="Tool",
        help_text="Alertmanager and Grafana send alerts; a release webhook or GitHub's "
        "deployment statuses tell which versions went out (shown as suspect changes on "
        "incidents).",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["alert_rule"].required = False
        self.fields["default_severity"].required = False

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or SourceKind.ALERTMANAGER

    def clean_alert_rule(self) -> str:
        return self.cleaned_data["alert_rule"] or AlertRule.OPEN

    def clean_default_severity(self) -> str:
        return self.cleaned_data["default_severity"] or Severity.SEV3
