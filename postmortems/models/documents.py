"""Postmortems: the document, its sections, the templates it is made from, and its history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from organizations.models import TenantModel


class PostmortemStatus(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    IN_REVIEW = "IN_REVIEW", "In review"
    PUBLISHED = "PUBLISHED", "Published"
    ARCHIVED = "ARCHIVED", "Archived"


class Visibility(models.TextChoices):
    PRIVATE = "PRIVATE", "Private"
    TEAM = "TEAM", "Team"
    ORGANIZATION = "ORGANIZATION", "Organization"


class SectionKind(models.TextChoices):
    MARKDOWN = "markdown", "Text"
    TIMELINE = "timeline", "Timeline"
    ACTION_ITEMS = "action_items", "Action items"
    FIVE_WHYS = "five_whys", "Five whys"
    CONTRIBUTING_FACTORS = "contributing_factors", "Contributing factors"
    IMPACT = "impact", "Impact"
    LINKS = "links", "Linked evidence"
    METRICS = "metrics", "Metrics"


class RootCauseCategory(models.TextChoices):
    CODE_DEFECT = "CODE_DEFECT", "Code defect"
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR", "Configuration error"
    CAPACITY = "CAPACITY", "Capacity"
    DEPENDENCY_FAILURE = "DEPENDENCY_FAILURE", "Dependency failure"
    PROCESS_GAP = "PROCESS_GAP", "Process gap"
    OPERATIONAL_ERROR = "OPERATIONAL_ERROR", "Operational error"
    DESIGN_FLAW = "DESIGN_FLAW", "Design flaw"
    MONITORING_GAP = "MONITORING_GAP", "Monitoring gap"


class Template(TenantModel):
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    builtin_key = models.SlugField(max_length=40, blank=True, help_text="Set on built-ins.")
    default_for_severities = models.JSONField(default=list, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_template_name"),
            models.UniqueConstraint(
                fields=["organization", "builtin_key"],
                condition=~Q(builtin_key=""),
                name="unique_builtin_template",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateSection(TenantModel):
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=SectionKind.choices, default="markdown")
    required = models.BooleanField(default=False)
    default_text = models.TextField(blank=True)
    helper_prompt = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="unique_template_section")
        ]

    def __str__(self) -> str:
        return self.title


class Postmortem(TenantModel):
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postmortems",
        help_text="The primary incident.",
    )
    generated = models.BooleanField(
        default=False, help_text="Created automatically when the incident resolved."
    )
    template = models.ForeignKey(
        Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visibility = models.CharField(
        max_length=12, choices=Visibility.choices, default=Visibility.ORGANIZATION
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    root_cause_category = models.CharField(
        max_length=24, choices=RootCauseCategory.choices, blank=True
    )
    users_affected = models.PositiveIntegerField(null=True, blank=True)
    revenue_impact = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    sla_breached = models.BooleanField(null=True, blank=True)
    support_tickets = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_with_approvals = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The approvals the organization required when this was published: the rule "
        "a published postmortem shows, whatever the setting says today.",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    remediated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the last of its action items was completed, while every one of them is "
        "(won't-do counts as not done); empty otherwise. Kept by the action-item services "
        "(postmortems.recurrence.services.remediation_record).",
    )
    remediated_items = models.PositiveIntegerField(
        default=0, help_text="How many action items were completed by ``remediated_at``."
    )
    review_round = models.PositiveIntegerField(
        default=0, help_text="Rises with each submit; 0 until the first."
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    public_summary = models.TextField(
        blank=True, help_text="What a public share link shows first (markdown, no names)."
    )
    public_sections = models.JSONField(
        default=list, blank=True, help_text="Keys of the sections a public share link shows."
    )
    teams = models.ManyToManyField(
        "organizations.Team",
        through="PostmortemTeam",
        blank=True,
        related_name="+",
        help_text="Who may read it when the visibility is TEAM.",
    )

    class Meta:
        ordering = ["-number"]
        permissions = [("review_postmortem", "Review the postmortem (an assigned reviewer)")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="unique_postmortem_number"
            ),
            # An incident is reviewed once: further postmortems may cover it as a related
            # incident (PostmortemIncident), never as their primary one.
            models.UniqueConstraint(
                fields=["organization", "incident"],
                condition=Q(incident__isnull=False),
                name="one_postmortem_per_incident",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-updated_at"]),
            # The dashboard's and search's "recently published": newest first, one status.
            models.Index(fields=["organization", "status", "-published_at"], name="pm_published"),
            # The latest change in the organization (the dashboard's cache fingerprint).
            models.Index(fields=["organization", "updated_at"], name="pm_changed"),
            # Recurrences: the postmortems remediated shortly before an incident started.
            models.Index(fields=["organization", "remediated_at"], name="pm_remediated"),
        ]

    def __str__(self) -> str:
        return f"PM-{self.number} {self.title}"


class PostmortemIncident(TenantModel):
    """Further incidents a postmortem covers, beside its primary one."""

    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="related_incidents"
    )
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="related_postmortems"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "incident"], name="unique_postmortem_incident"
            )
        ]


class PostmortemTeam(TenantModel):
    """A team that may read a postmortem whose visibility is TEAM."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("organizations.Team", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "team"], name="unique_postmortem_team")
        ]


class Section(TenantModel):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=SectionKind.choices, default="markdown")
    required = models.BooleanField(default=False)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="Structured sections' content.")
    helper_prompt = models.TextField(blank=True)
    placeholder = models.TextField(
        blank=True,
        help_text="The template's prompts for the text, one a line: shown to the writer as a "
        "hint, never part of the body.",
    )
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "key"], name="unique_section_key")
        ]

    def __str__(self) -> str:
        return self.title


class Revision(TenantModel):
    """An immutable snapshot of the document, written in the transaction of each change."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField()
    changed_sections = models.JSONField(default=list)
    summary = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["postmortem", "number"], name="unique_revision")
        ]

    def __str__(self) -> str:
        return f"r{self.number} of {self.postmortem_id}"


class PostmortemUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key object permissions (invited editors, assigned reviewers…)."""

    content_object = models.ForeignKey(Postmortem, on_delete=models.CASCADE)


class PostmortemGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Postmortem, on_delete=models.CASCADE)
