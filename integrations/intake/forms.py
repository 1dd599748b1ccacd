from collections.abc import Iterable

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
        return severity_table(self.cleaned_data["severity_map"])


def value_table(
    text: str, *, targets: Iterable[str], example: str, what: str = "value", limit: int = 20
) -> dict[str, str]:
    """Lines “value = target” as {value (lower case): target}; a target is matched whatever
    its case, blank lines are skipped. ValidationError names the line that is wrong."""
    by_name = {target.lower(): target for target in targets}
    table: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        value, sep, target = line.partition("=")
        value, target = value.strip().lower(), by_name.get(target.strip().lower())
        if not sep or not value or target is None:
            raise ValidationError(f"Line {number}: write {example}.")
        if len(value) > 40:
            raise ValidationError(f"Line {number}: the {what} is too long.")
        if value in table:
            raise ValidationError(f"Line {number}: “{value}” is already in the table.")
        table[value] = target
    if len(table) > limit:
        raise ValidationError(f"At most {limit} lines.")
    return table


def severity_table(text: str) -> dict[str, str]:
    return value_table(
        text,
        targets=Severity.values,
        example="“label value = SEV1” (SEV1 to SEV4)",
        what="label value",
    )


def value_table_text(table: dict[str, str]) -> str:
    return "\n".join(f"{value} = {target}" for value, target in table.items())


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
        "incidents); a generic JSON webhook takes any other tool's events through a field "
        "mapping you write next.",
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
