"""The issue-tracker forms: shapes only; the services check targets, addresses and
credentials. A connection's form has the fields of its tracker's kind, labelled in that
tracker's words."""

import json
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from incidents.models import Service
from organizations.models import Team

from . import connections
from .models import DEFAULT_BASE_URLS, TrackerAuth, TrackerConnection, TrackerKind


@dataclass(frozen=True)
class Field:
    label: str
    help_text: str
    placeholder: str = ""


KEEP = " Stored encrypted and never shown again."
OPTIONAL = frozenset({"app_id", "installation_id"})
KEEP_STORED = " Leave empty to keep the stored one."
# Per kind, its fields in the order a person fills them, each in that tracker's words.
KIND_FIELDS: dict[str, dict[str, Field]] = {
    TrackerKind.GITHUB: {
        "token": Field(
            "Fine-grained access token",
            "GitHub → Settings → Developer settings → Fine-grained tokens, with Issues: read "
            "and write on the repositories below (or a GitHub App's private key, see below)."
            + KEEP,
        ),
        "target": Field(
            "Default repository",
            "owner/name: where action items' tickets are created unless a route below sends "
            "them elsewhere.",
            "acme/api",
        ),
        "base_url": Field(
            "API address",
            "https://api.github.com, or your GitHub Enterprise Server's …/api/v3.",
        ),
        "app_id": Field(
            "GitHub App id (instead of a token)",
            "For a GitHub App installed on the repositories' account with Issues: read and "
            "write: its App ID (the app's settings page). Then paste the app's private key "
            "(.pem) as the token above.",
            "123456",
        ),
        "installation_id": Field(
            "Installation id",
            "For a GitHub App: the number that ends the installation's address, "
            "…/settings/installations/<id>.",
            "7890123",
        ),
    },
    TrackerKind.JIRA_CLOUD: {
        "base_url": Field(
            "Site address",
            "Your Jira Cloud site, https://<site>.atlassian.net.",
            "https://acme.atlassian.net",
        ),
        "username": Field(
            "Account email",
            "The email address of the Atlassian account the token belongs to.",
            "hindsight@acme.com",
        ),
        "token": Field(
            "API token",
            "id.atlassian.com → Security → API tokens; the account needs to create and edit "
            "issues in the project." + KEEP,
        ),
        "target": Field(
            "Default project key",
            "The key of the project tickets go to unless a route sends them elsewhere, e.g. OPS.",
            "OPS",
        ),
    },
    TrackerKind.JIRA_DC: {
        "base_url": Field(
            "Base URL",
            "Your Jira Data Center's address, e.g. https://jira.acme.com.",
            "https://jira.acme.com",
        ),
        "token": Field(
            "Personal access token",
            "Your Jira profile → Personal access tokens; the account needs to create and edit "
            "issues in the project." + KEEP,
        ),
        "target": Field(
            "Default project key",
            "The key of the project tickets go to unless a route sends them elsewhere, e.g. OPS.",
            "OPS",
        ),
    },
    TrackerKind.LINEAR: {
        "token": Field(
            "API key",
            "Linear → Settings → Security & access → Personal API keys, with access to the "
            "team below." + KEEP,
        ),
        "target": Field(
            "Default team key",
            "The key of the Linear team tickets go to unless a route sends them elsewhere, "
            "e.g. ENG.",
            "ENG",
        ),
        "base_url": Field("API address", "Linear's GraphQL API: https://api.linear.app/graphql."),
    },
}
JIRA_KINDS = (TrackerKind.JIRA_CLOUD, TrackerKind.JIRA_DC)
STATUS_MAP_HELP = (
    "One per line, “status name = open”, “= done” or “= wont_do”, over {tracker}'s usual "
    "meanings, e.g. “Shipped = done” or “Duplicate = wont_do”."
)
FIELD_MAP_HELP = (
    "Custom fields the project's create screen requires, as a JSON object of field id → value, "
    'e.g. {"customfield_10010": "Platform"}. For the default project.'
)


def status_map_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{name} = {outcome}" for name, outcome in mapping.items())


class ConnectionForm(forms.Form):
    """Connect a tracker of ``kind``, or change ``connection`` (its kind)."""

    status_map = forms.CharField(
        label="Status mapping",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Shipped = done"}),
    )
    field_map = forms.CharField(
        label="Field mapping",
        required=False,
        max_length=5000,
        help_text=FIELD_MAP_HELP,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
    )
    create_on_publish = forms.BooleanField(
        label="Create tickets when a postmortem is published", required=False
    )
    is_default = forms.BooleanField(
        label="Default tracker: items go here unless a route sends them elsewhere",
        required=False,
    )

    def __init__(
        self, *args, kind: str, connection: TrackerConnection | None = None, **kwargs
    ) -> None:
        if connection is not None:
            kwargs.setdefault("initial", self.initial_of(connection))
        super().__init__(*args, **kwargs)
        self.kind, self.connection = kind, connection
        own = {}
        for name, spec in KIND_FIELDS[kind].items():
            # a new connection needs its credential; a stored one is kept when left empty
            required = name not in OPTIONAL and (name != "token" or connection is None)
            if connection is not None and connection.auth == TrackerAuth.OAUTH:
                required = name == "target"  # the OAuth grant holds the address and account
            own[name] = self._field(name, spec, required=required)
            if name == "token":
                own[name].error_messages["required"] = connections.CREDENTIAL_HELP[kind]
                if connection is not None:
                    own[name].help_text += KEEP_STORED
            if name == "base_url" and kind in DEFAULT_BASE_URLS:
                own[name].initial = DEFAULT_BASE_URLS[kind]
        tracker = TrackerKind(kind).label
        self.fields["status_map"].help_text = STATUS_MAP_HELP.format(tracker=tracker)
        if kind not in JIRA_KINDS:
            del self.fields["field_map"]
        self.fields = {**own, **self.fields}

    @staticmethod
    def _field(name: str, spec: Field, *, required: bool) -> forms.Field:
        attrs = {"autocomplete": "off", "spellcheck": "false"}
        if spec.placeholder:
            attrs["placeholder"] = spec.placeholder
        common = {"label": spec.label, "help_text": spec.help_text, "required": required}
        if name == "token":
            widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            return forms.CharField(max_length=4000, widget=widget, **common)
        if name == "base_url":
            return forms.URLField(
                max_length=300, assume_scheme="https", widget=forms.URLInput(attrs), **common
            )
        if name == "username":
            return forms.EmailField(max_length=254, widget=forms.EmailInput(attrs), **common)
        return forms.CharField(max_length=200, widget=forms.TextInput(attrs), **common)

    @staticmethod
    def initial_of(connection: TrackerConnection) -> dict:
        project = connection.field_map.get(connection.target)
        return {
            "target": connection.target,
            "base_url": connection.base_url,
            "username": connection.username if connection.auth == TrackerAuth.TOKEN else "",
            "app_id": connection.username if connection.auth == TrackerAuth.GITHUB_APP else "",
            "installation_id": connection.installation_id,
            "status_map": status_map_text(connection.status_map),
            "field_map": json.dumps(project, indent=2) if project else "",
            "create_on_publish": connection.create_on_publish,
            "is_default": connection.is_default,
        }

    def clean_status_map(self) -> dict[str, str]:
        try:
            return connections.parse_status_map(self.cleaned_data["status_map"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["status_map"]) from error

    def clean_field_map(self) -> dict | None:
        text = self.cleaned_data["field_map"].strip()
        if not text:
            return None
        try:
            fields = json.loads(text)
        except ValueError:
            fields = None
        if not isinstance(fields, dict) or not all(isinstance(key, str) for key in fields):
            raise ValidationError(
                'Write a JSON object of custom field id → value, e.g. {"customfield_10010": '
                '"Platform"}.'
            )
        return fields

    def clean(self) -> dict:
        """The field mapping is kept per project: this form's is the default project's, the
        others' (for teams' projects) stay as they are."""
        data = super().clean()
        if self.kind not in JIRA_KINDS or "target" not in data or "field_map" not in data:
            return data
        stored = dict(self.connection.field_map) if self.connection else {}
        if self.connection is not None:
            stored.pop(self.connection.target, None)
        project = data["target"].strip().upper()
        if data["field_map"]:
            stored[project] = data["field_map"]
        data["field_map"] = stored
        return data


class KindForm(forms.Form):
    """Which tracker an admin adds (the kinds not connected yet)."""

    kind = forms.ChoiceField(
        label="Tracker",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose GitHub, Jira Cloud, Jira Data Center or Linear.",
            "invalid_choice": "Choose a tracker not connected yet; change a connected one on "
            "its card above.",
        },
    )

    def __init__(self, *args, taken: set[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(value, label) for value, label in TrackerKind.choices if value not in taken]
        self.fields["kind"].choices = choices
        if choices:
            self.fields["kind"].initial = choices[0][0]


class RouteForm(forms.Form):
    """A route: a team or a service (the service says when neither or both are chosen), the
    connection and its target."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        required=False,
        empty_label="—",
        help_text="The items of this team's postmortems.",
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        label="Service",
        required=False,
        empty_label="—",
        help_text="Or the items of the postmortems of incidents on this service.",
    )
    connection = forms.ModelChoiceField(
        queryset=TrackerConnection.objects.none(), label="Tracker", empty_label=None
    )
    target = forms.CharField(
        label="Repository, project or team key",
        max_length=200,
        help_text="GitHub: owner/name. Jira: the project key. Linear: the team key.",
        widget=forms.TextInput(attrs={"placeholder": "acme/payments", "autocomplete": "off"}),
    )

    def __init__(self, *args, organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(organization=organization).order_by(
            "name"
        )
        self.fields["service"].queryset = Service.objects.filter(
            organization=organization
        ).order_by("name")
        self.fields["connection"].queryset = TrackerConnection.objects.filter(
            organization=organization
        ).order_by("-is_default", "kind")


class AdoptForm(forms.Form):
    reference = forms.CharField(
        label="Existing ticket",
        max_length=300,
        help_text="Its address or key.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
