from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError

from organizations.models import Severity

from .models import ALERT_KINDS, PAGER_KINDS, AlertRule, DeliveryStatus, SourceKind
from .sources import SOURCES

ALERT_FIELDS = ("alert_rule", "default_severity", "severity_map")


def form_saved(form: forms.Form, save, **arguments) -> bool:
    """Whether ``form`` is valid and ``save`` (a service, called with ``arguments`` and the
    form's data) took it; the service's ``ValidationError`` goes onto the form's fields."""
    if not form.is_valid():
        return False
    try:
        save(**arguments, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


SEVERITY_FIELDS = ("default_severity", "severity_map")
# The severity table's label and help for each kind of tool that has one.
SEVERITY_TABLES = {
    SourceKind.PAGERDUTY: (
        "Severity by urgency or priority",
        "One per line, urgency or priority = severity, e.g. “P1 = SEV1” or “high = SEV2”. "
        "A priority in the table wins over the urgency; others get the severity above.",
    ),
    SourceKind.OPSGENIE: (
        "Severity by the alert's priority",
        "One per line, priority = severity, e.g. “P1 = SEV1”. Other priorities get the "
        "severity above.",
    ),
}
SIGNING_HELP = (
    "The tool makes this secret when you add a webhook with this endpoint's address, and "
    "shows it: PagerDuty under Integrations → Generic Webhooks (v3) → New Webhook; Linear "
    "under Settings → API → Webhooks → New webhook (data change events: Issues). Create the "
    "endpoint, add its address in the tool, then paste the secret on the endpoint's card (or "
    "here, if you have it already). Kept encrypted, never shown again; until it is pasted, "
    "the endpoint refuses every request."
)


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
        if kind in PAGER_KINDS:  # a pager's incidents always open; its levels have a table
            del self.fields["alert_rule"]
            label, help_text = SEVERITY_TABLES[kind]
            self.fields["severity_map"].label = label
            self.fields["severity_map"].help_text = help_text
            self.fields["severity_map"].widget.attrs["placeholder"] = "P1 = SEV1\nP2 = SEV2"
        elif kind not in ALERT_KINDS:  # a deploy source's endpoint has only its name
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


def severity_table(text: str, *, what: str = "value") -> dict[str, str]:
    """A severity table, one “<what> = SEV1” a line."""
    return value_table(
        text, targets=Severity.values, example=f"“{what} = SEV1” (SEV1 to SEV4)", what=what
    )


def value_table_text(table: dict[str, str]) -> str:
    return "\n".join(f"{value} = {target}" for value, target in table.items())


class NewEndpointForm(EndpointForm):
    """A new endpoint: which tool posts to it (fixed once created), its name and, for the alert
    sources and pagers, what their alerts or incidents do (the deploy tools' endpoints ignore
    those); for PagerDuty and Linear, the signing secret it made."""

    field_order = ["kind", "name", "signing_secret"]

    kind = forms.ChoiceField(
        choices=SourceKind.choices,
        initial=SourceKind.ALERTMANAGER,
        required=False,
        label="Tool",
        help_text="Alertmanager and Grafana send alerts; PagerDuty and Opsgenie send their "
        "incidents and alerts as they are triggered, acknowledged, noted and resolved; a release "
        "webhook or GitHub's deployment statuses tell which versions went out (shown as suspect "
        "changes on incidents); a generic JSON webhook takes any other tool's events through a "
        "field mapping you write next.",
    )
    signing_secret = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        label="Signing secret (PagerDuty, Linear)",
        help_text=SIGNING_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["alert_rule"].required = False
        self.fields["default_severity"].required = False
        self.fields["severity_map"].label = "Severity table"
        self.fields["severity_map"].help_text = (
            "One per line, value = severity. Alertmanager, Grafana: the alert's “severity” "
            "label (critical = SEV1); PagerDuty: urgency or priority (high = SEV2, P1 = SEV1; a "
            "priority in the table wins); Opsgenie: the alert's priority (P1 = SEV1). Other "
            "values get the severity above."
        )

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or SourceKind.ALERTMANAGER

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and not SOURCES[kind].pasted_secret:
            cleaned["signing_secret"] = ""  # Hindsight makes this tool's secret
        return cleaned


class SigningSecretForm(forms.Form):
    """The secret a tool made (PagerDuty's, Linear's), pasted: the endpoint's first, or a new
    one that replaces it (``first`` False)."""

    signing_secret = forms.CharField(
        max_length=200,
        strip=True,
        label="New signing secret",
        help_text="Rotating is done in the tool: add a new webhook with the address above (the "
        "tool shows its signing secret), paste that secret here, then delete the old webhook. "
        "The old secret stops working at once.",
        error_messages={"required": "Paste the signing secret the tool shows."},
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, first: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if first:
            field = self.fields["signing_secret"]
            field.label = "Signing secret"
            field.help_text = (
                "In PagerDuty, add a webhook subscription with the address above (Integrations → "
                "Generic Webhooks (v3) → New Webhook); paste the signing secret it shows. Kept "
                "encrypted, never shown again."
            )

    def clean_alert_rule(self) -> str:
        return self.cleaned_data["alert_rule"] or AlertRule.OPEN

    def clean_default_severity(self) -> str:
        return self.cleaned_data["default_severity"] or Severity.SEV3


class DeliveryFilterForm(forms.Form):
    """Which deliveries the log lists: of one status, of one endpoint (both optional)."""

    status = forms.ChoiceField(
        choices=[("", "Every status"), *DeliveryStatus.choices],
        required=False,
        error_messages={"invalid_choice": "Choose one of the statuses listed."},
    )
    endpoint = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of this organization's endpoints."},
    )

    def __init__(self, *args, endpoints: Iterable = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [
            ("", "Every endpoint"),
            *((endpoint.pk, endpoint.name) for endpoint in endpoints),
        ]
