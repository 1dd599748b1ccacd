"""The PagerDuty import settings and start forms: shapes only; the service checks the address."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from organizations.models import Severity

from ..intake.forms import severity_table
from .models import DEFAULT_BASE_URL

LONGEST_RANGE = timedelta(days=3 * 366)


class SettingsForm(forms.Form):
    api_key = forms.CharField(
        label="REST API key",
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="A read-only API key (PagerDuty: Integrations → API Access Keys). Stored "
        "encrypted and never shown again; leave empty to keep the stored one.",
    )
    base_url = forms.URLField(
        label="API address",
        max_length=300,
        assume_scheme="https",
        initial=DEFAULT_BASE_URL,
        help_text="https://api.pagerduty.com, or https://api.eu.pagerduty.com for an EU account.",
    )
    default_severity = forms.ChoiceField(
        choices=Severity.choices, initial=Severity.SEV3, label="Severity of imported incidents"
    )
    severity_map = forms.CharField(
        required=False,
        label="Severity by urgency or priority",
        help_text="One per line, e.g. “high = SEV2” or “P1 = SEV1”; a priority in this table "
        "wins over the urgency. Others get the severity above.",
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "P1 = SEV1\nhigh = SEV2\nlow = SEV4"}
        ),
    )

    def clean_severity_map(self) -> dict[str, str]:
        return severity_table(self.cleaned_data["severity_map"], what="urgency or priority")


class StartForm(forms.Form):
    since = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Incidents PagerDuty created on or after this day (UTC).",
    )
    until = forms.DateField(
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Up to the end of this day (UTC).",
    )

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until < since:
                self.add_error("until", "The end comes before the start.")
            elif until - since > LONGEST_RANGE:
                self.add_error("until", "Import at most three years at once.")
            elif since > timezone.now().date():
                self.add_error("since", "The start is in the future.")
        return data
