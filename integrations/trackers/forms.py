"""The issue-tracker forms: shapes only; the services check repositories and addresses."""

from django import forms

from organizations.models import Team

from .models import DEFAULT_BASE_URLS, TrackerKind


class ConnectionForm(forms.Form):
    token = forms.CharField(
        label="Fine-grained access token",
        required=False,
        max_length=300,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="GitHub → Settings → Developer settings → Fine-grained tokens, with Issues: "
        "read and write on the repositories below. Stored encrypted and never shown again; "
        "leave empty to keep the stored one.",
    )
    target = forms.CharField(
        label="Default repository",
        max_length=200,
        help_text="owner/name: where action items' tickets are created unless their team has "
        "its own repository below.",
        widget=forms.TextInput(attrs={"placeholder": "acme/api", "autocomplete": "off"}),
    )
    base_url = forms.URLField(
        label="API address",
        max_length=300,
        assume_scheme="https",
        initial=DEFAULT_BASE_URLS[TrackerKind.GITHUB],
        help_text="https://api.github.com, or your GitHub Enterprise Server's …/api/v3.",
    )


class TeamTargetForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team")
    target = forms.CharField(
        label="Repository",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "acme/payments", "autocomplete": "off"}),
    )

    def __init__(self, *args, organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(organization=organization).order_by(
            "name"
        )


class AdoptForm(forms.Form):
    reference = forms.CharField(
        label="Existing issue",
        max_length=300,
        help_text="Its address or owner/repo#number, e.g. acme/api#12.",
        widget=forms.TextInput(attrs={"placeholder": "acme/api#12", "autocomplete": "off"}),
    )
