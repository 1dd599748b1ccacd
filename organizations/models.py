import zoneinfo

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

from .roles import Action, Role, can

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


class Organization(models.Model):
    """The tenant. Every tenant-owned row points here."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    webhook_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="A Slack-compatible incoming webhook (https) for publications and overdue items.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Base for tenant-owned rows: a non-null organization and a manager that fails closed.

    ``objects`` raises ``ScopeError`` unless a scope is active (the tenant middleware activates
    the request's organization); ``scopes_disabled()`` is the explicit, greppable way out.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True


class Membership(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ENGINEER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")
        ]
        ordering = ["organization__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    def can(self, action: Action | str) -> bool:
        return can(self, action)


class Team(TenantModel):
    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_team_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(TenantModel):
    """A user on a team; carries the organization like every tenant row."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self) -> str:
        return f"{self.user} on {self.team}"


class Counter(TenantModel):
    """A per-organization sequence (incident numbers per year, postmortem numbers)."""

    name = models.CharField(max_length=40)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_counter")
        ]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ApiToken(TenantModel):
    """A personal API token: one user in one organization, acting with that user's role there.

    Only a SHA-256 hash of the token is stored; the plain token is shown once, at creation.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class NotificationKind(models.TextChoices):
    REVIEW_REQUESTED = "REVIEW_REQUESTED", "Review requested"
    CHANGES_REQUESTED = "CHANGES_REQUESTED", "Changes requested"
    APPROVED = "APPROVED", "Approved"
    PUBLISHED = "PUBLISHED", "Published"
    MENTIONED = "MENTIONED", "Mentioned"
    COMMENTED = "COMMENTED", "Comment on my postmortem"
    DRAFT_GENERATED = "DRAFT_GENERATED", "Draft generated"
    REMINDER = "REMINDER", "Action item and draft reminders"
    READING_REQUESTED = "READING_REQUESTED", "Required reading"


class Notification(TenantModel):
    """Something a member should know about, shown under the bell (and emailed unless they
    turned that kind of email off)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, help_text="A path in this site.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationSetting(TenantModel):
    """A member's choice of email for one kind of notification (email is on by default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "kind"], name="one_notification_setting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: email {'on' if self.email else 'off'}"


class Invitation(TenantModel):
    """An invitation to join the organization: a single-use link whose token is stored hashed."""

    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ENGINEER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.role})"


class AuditEntry(TenantModel):
    """Who changed what in the organization's administration, and when. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="Kept if the account goes.")
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.target}"


class WebhookStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SENT = "SENT", "Sent"
    FAILED = "FAILED", "Failed"


class WebhookDelivery(TenantModel):
    """One message to the organization's incoming webhook, and how its delivery went."""

    event = models.CharField(max_length=40)
    url = models.URLField(max_length=500)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=8, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.status}"


class Severity(models.TextChoices):
    """The severity scale of incidents, which the postmortem policy names."""

    SEV1 = "SEV1", "SEV1 · Critical"
    SEV2 = "SEV2", "SEV2 · Major"
    SEV3 = "SEV3", "SEV3 · Minor"
    SEV4 = "SEV4", "SEV4 · Low"


class PostmortemPolicy(TenantModel):
    """Which resolved incidents require a postmortem, how many approvals publish one, the targets
    and the reminder cadence: one per organization, edited on its settings page."""

    severities = models.JSONField(default=list)
    min_duration_minutes = models.PositiveIntegerField(null=True, blank=True, default=60)
    customer_impact = models.BooleanField(default=True)
    data_loss = models.BooleanField(default=True)
    security = models.BooleanField(default=True)
    auto_generate = models.BooleanField(default=True)
    required_approvals = models.PositiveSmallIntegerField(
        default=1, help_text="Approvals in one review round that publish a postmortem."
    )
    # Reminders: the defaults stored here; the settings page edits them.
    remind_days_before_due = models.PositiveSmallIntegerField(default=3)
    overdue_repeat_days = models.PositiveSmallIntegerField(default=7)
    escalate_after_days = models.PositiveSmallIntegerField(default=14)
    draft_target_days = models.PositiveSmallIntegerField(
        default=5, help_text="Days a draft may wait before its author is reminded to submit it."
    )
    review_target_days = models.PositiveSmallIntegerField(
        default=3, help_text="Days a postmortem should spend in review."
    )
    publish_target_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days from resolution to a published postmortem."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="one_policy_per_organization")
        ]

    DEFAULT_SEVERITIES = ["SEV1", "SEV2"]

    def __str__(self) -> str:
        return f"Postmortem policy of organization {self.organization_id}"
