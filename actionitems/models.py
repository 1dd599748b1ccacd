"""Action items: the owned, dated follow-ups of a postmortem, and the reminders sent for them."""

from django.conf import settings
from django.db import models

from organizations.models import TenantModel


class Priority(models.TextChoices):
    CRITICAL = "CRITICAL", "Critical"
    HIGH = "HIGH", "High"
    MEDIUM = "MEDIUM", "Medium"
    LOW = "LOW", "Low"


class ItemStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    COMPLETED = "COMPLETED", "Completed"
    WONT_DO = "WONT_DO", "Won't do"


class Category(models.TextChoices):
    DETECT = "DETECT", "Detect"
    PREVENT = "PREVENT", "Prevent"
    MITIGATE = "MITIGATE", "Mitigate"
    RESPOND = "RESPOND", "Respond"


CLOSED_STATUSES = (ItemStatus.COMPLETED, ItemStatus.WONT_DO)
# SEV1 sorts first; items of postmortems without an incident sort after SEV4.
SEVERITY_RANKS = {"SEV1": 1, "SEV2": 2, "SEV3": 3, "SEV4": 4}
NO_SEVERITY_RANK = 9


class ActionItem(TenantModel):
    number = models.PositiveIntegerField(help_text="Per organization: the id in URLs and the API.")
    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="action_items"
    )
    section_key = models.SlugField(
        max_length=60, blank=True, help_text="The action-items section it is listed in."
    )
    position = models.PositiveIntegerField(default=0)
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    category = models.CharField(max_length=8, choices=Category.choices, blank=True)
    success_criteria = models.TextField(blank=True)
    ticket_url = models.URLField(max_length=500, blank=True)
    wont_do_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    severity_rank = models.PositiveSmallIntegerField(
        default=NO_SEVERITY_RANK,
        help_text="The primary incident's severity (1 = SEV1), kept here so the tracker sorts "
        "SEV1 first with an index; set by the services whenever it can change.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="unique_action_item_number"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "severity_rank", "due_date", "id"],
                name="ai_tracker_order",
            ),
            models.Index(fields=["organization", "status", "due_date"], name="ai_status_due"),
            models.Index(fields=["organization", "owner", "status"], name="ai_owner_status"),
            models.Index(fields=["postmortem", "section_key", "position"], name="ai_postmortem"),
        ]

    def __str__(self) -> str:
        return f"AI-{self.number} {self.description[:60]}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ReminderKind(models.TextChoices):
    DUE_SOON = "DUE_SOON", "Due soon"
    DUE_TODAY = "DUE_TODAY", "Due today"
    OVERDUE = "OVERDUE", "Overdue"
    ESCALATION = "ESCALATION", "Escalated"
    DRAFT_STALE = "DRAFT_STALE", "Draft not submitted"


class Reminder(TenantModel):
    """One row per (item, kind, period) actually sent: the database refuses a second, so a
    reminder is never sent twice even if beat fires twice or a worker dies mid-run."""

    action_item = models.ForeignKey(
        ActionItem, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    postmortem = models.ForeignKey(
        "postmortems.Postmortem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="For draft reminders.",
    )
    kind = models.CharField(max_length=12, choices=ReminderKind.choices)
    period = models.CharField(max_length=20, help_text="e.g. the due date, or the overdue week.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "kind", "period", "recipient"],
                name="one_item_reminder_per_period",
            ),
            models.UniqueConstraint(
                fields=["postmortem", "kind", "period", "recipient"],
                name="one_draft_reminder_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"
