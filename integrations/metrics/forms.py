"""The Metrics settings forms: shapes only; the service checks the address and the PromQL."""

from django import forms

from incidents.models import Service
from organizations.models import Organization

from .models import AuthKind


class EndpointForm(forms.Form):
    base_url = forms.URLField(
        label="Prometheus URL",
        max_length=300,
        assume_scheme="https",
        help_text="The base address of a Prometheus-compatible API, e.g. https://prometheus.example.com",
    )
    auth_kind = forms.ChoiceField(label="Authentication", choices=AuthKind.choices)
    username = forms.CharField(label="User name", max_length=150, required=False)
    secret = forms.CharField(
        label="Token or password",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again; leave empty to keep the stored one.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("auth_kind") == AuthKind.BASIC and not data.get("username"):
            self.add_error("username", "Enter the user name for basic authentication.")
        return data


class MetricQueryForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    key = forms.SlugField(
        max_length=40, help_text="errorRate and latency are the charts' and templates' names."
    )
    name = forms.CharField(max_length=120, help_text="e.g. Error rate")
    unit = forms.CharField(max_length=20, required=False, help_text="e.g. %, ms")
    promql = forms.CharField(
        label="PromQL",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='One series over time, e.g. sum(rate(http_requests_total{code=~"5.."}[5m]))',
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(organization=organization)
