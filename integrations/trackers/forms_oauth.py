"""The form that starts an OAuth connection: shapes only; ``oauth.oauth_start`` checks the
target's key and the Jira site's address."""

from django import forms

from .models import TrackerKind
from .oauth import PROVIDERS

TARGET_LABELS = {
    TrackerKind.JIRA_CLOUD: ("Jira project key", "OPS", "Where items' tickets go, e.g. OPS."),
    TrackerKind.LINEAR: ("Linear team key", "ENG", "Where items' issues go, e.g. ENG."),
}


class OAuthConnectForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(kind, provider.name) for kind, provider in PROVIDERS.items()],
        widget=forms.HiddenInput,
    )
    target = forms.CharField(max_length=200)
    site = forms.CharField(
        label="Jira site",
        max_length=300,
        required=False,
        help_text="e.g. acme.atlassian.net: needed when your Atlassian account reaches several "
        "sites.",
        widget=forms.TextInput(attrs={"placeholder": "acme.atlassian.net", "autocomplete": "off"}),
    )

    def __init__(self, *args, kind: str = "", **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_oauth_{kind or 'connect'}_%s")
        super().__init__(*args, **kwargs)
        kind = kind or str(self.data.get("kind") or self.initial.get("kind") or "")
        label, placeholder, help_text = TARGET_LABELS.get(kind, ("Project or team key", "", ""))
        target = self.fields["target"]
        target.label, target.help_text = label, help_text
        target.widget.attrs.update({"placeholder": placeholder, "autocomplete": "off"})
        if kind != TrackerKind.JIRA_CLOUD:
            del self.fields["site"]
