"""Issue trackers an organization's action items sync with: the connection (one per kind and
organization, its credentials encrypted and never shown again), where items go (a default
repository or project, and per-team overrides), each item's link to its remote ticket, and the
sync notes that make up the item's sync history (conflicts, errors, changes applied)."""

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
    target (``owner/repo`` for GitHub) items go to unless their team has its own."""

    kind = models.CharField(max_length=12, choices=TrackerKind.choices)
    auth = models.CharField(max_length=12, choices=TrackerAuth.choices, default=TrackerAuth.TOKEN)
    base_url = models.URLField(max_length=300)
    # Jira Cloud: the account's email (with an API token); GitHub App: the app's id
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
    # items go here unless their team has its own target; one default per organization
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
    """A team whose postmortems' items go to another repository than the connection's."""

    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="team_targets"
    )
    team = models.ForeignKey("organizations.Team", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "team"], name="one_target_per_team")
        ]

    def __str__(self) -> str:
        return self.target


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
