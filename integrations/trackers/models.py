"""Issue trackers an organization's action items sync with: the connection (one per kind and
organization, its credentials encrypted and never shown again), where items go (a default
repository or project, and routes by team or service), each item's link to its remote ticket,
and the sync notes that make up the item's sync history (conflicts, errors, changes applied)."""

from django.conf import settings
from django.db import models

from organizations.encryption import EncryptedTextField
from organizations.models import TenantModel


class TrackerKind(models.TextChoices):
    GITHUB = "github", "GitHub Issues"
    JIRA_CLOUD = "jira_cloud", "Jira Cloud"
    JIRA_DC = "jira_dc", "Jira Data Center"
    LINEAR = "linear", "Linear"


DEFAULT_BASE_URLS = {
    TrackerKind.GITHUB: "https://api.github.com",
    TrackerKind.LINEAR: "https://api.linear.app/graphql",
}


# what the tracker is called in sentences ("deleted on Jira")
TRACKER_NAMES = {
    TrackerKind.GITHUB: "GitHub",
    TrackerKind.JIRA_CLOUD: "Jira",
    TrackerKind.JIRA_DC: "Jira",
    TrackerKind.LINEAR: "Linear",
}


class TrackerAuth(models.TextChoices):
    TOKEN = "token", "Token"  # GitHub fine-grained token, Jira API token or PAT, Linear API key
    GITHUB_APP = "github_app", "GitHub App installation"
    OAUTH = "oauth", "OAuth"  # Jira Cloud through Atlassian's 3LO, Linear's OAuth app


class TrackerConnection(TenantModel):
    """An organization's account with one tracker: the API's address, the credential and the
    target (``owner/repo`` for GitHub) items go to unless a route sends them elsewhere."""

    kind = models.CharField(max_length=12, choices=TrackerKind.choices)
    auth = models.CharField(max_length=12, choices=TrackerAuth.choices, default=TrackerAuth.TOKEN)
    base_url = models.URLField(max_length=300)
    # Jira Cloud: the account's email (with an API token), or the site's address (with OAuth,
    # whose API address is Atlassian's gateway); GitHub App: the app's id
    username = models.CharField(max_length=254, blank=True)
    # the token, API key or GitHub App private key; OAuth: the access token
    token = EncryptedTextField(blank=True, default="")
    # OAuth: the refresh token (rotated at each refresh) and when the access token expires
    refresh_token = EncryptedTextField(blank=True, default="")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # GitHub App: the installation's id
    installation_id = models.CharField(max_length=40, blank=True)
    target = models.CharField(
        max_length=200,
        help_text="GitHub: owner/repository. Jira: the project key. Linear: the team key.",
    )
    # the tracker's status names (lower case) → open / done / wont_do, over the defaults
    status_map = models.JSONField(default=dict, blank=True)
    # Jira: per project key, the custom fields its create screen requires → their values
    field_map = models.JSONField(default=dict, blank=True)
    # items go here unless a route sends them elsewhere; one default per organization
    is_default = models.BooleanField(default=False)
    # tickets for every open item of a postmortem when it is published
    create_on_publish = models.BooleanField(default=False)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_result = models.CharField(max_length=300, blank=True)
    check_ok = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="one_tracker_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.target}"


class TrackerTarget(TenantModel):
    """A route: the items of a team's postmortems, or of the postmortems of a service's
    incidents, go to ``target`` on ``connection`` instead of the default connection's target.
    Exactly one of ``team`` and ``service`` is set; the order routes apply in is
    ``selectors.route_of_postmortem``'s."""

    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="routes"
    )
    team = models.ForeignKey(
        "organizations.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    service = models.ForeignKey(
        "incidents.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "team"], name="one_target_per_team"),
            models.UniqueConstraint(
                fields=["connection", "service"], name="one_target_per_service"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(team__isnull=False, service__isnull=True)
                    | models.Q(team__isnull=True, service__isnull=False)
                ),
                name="target_of_team_or_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} → {self.target}"

    @property
    def kind(self) -> str:
        return "Team" if self.team_id else "Service"

    @property
    def name(self) -> str:
        """The team's or the service's name (select them with the row)."""
        return self.team.name if self.team_id else self.service.name


class SyncState(models.TextChoices):
    QUEUED = "queued", "Creating ticket"
    LINKED = "linked", "Linked"
    FAILED = "failed", "Failed"


class TicketLink(TenantModel):
    """One action item's remote ticket. ``remote_updated_at`` is the ticket's last change we
    know of, ours included (the ``updated_at`` GitHub answered to our own write): a webhook not
    newer than it is our own change echoing back, or an old one, and is not applied."""

    item = models.OneToOneField(
        "actionitems.ActionItem", on_delete=models.CASCADE, related_name="ticket_link"
    )
    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="links"
    )
    state = models.CharField(max_length=8, choices=SyncState.choices, default=SyncState.QUEUED)
    target = models.CharField(max_length=200)
    number = models.PositiveIntegerField(null=True, blank=True)
    key = models.CharField(max_length=250, blank=True)
    remote_id = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500, blank=True)
    remote_status = models.CharField(max_length=40, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    synced = models.JSONField(
        default=dict, blank=True, help_text="The item's synced fields as of the last sync."
    )
    last_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "key"], name="ticket_link_key")]

    def __str__(self) -> str:
        return self.key or f"ticket of item {self.item_id}"


class SyncNote(TenantModel):
    """One line of an item's sync history: what a sync changed, a conflict and which side won,
    or why it failed."""

    link = models.ForeignKey(TicketLink, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text
