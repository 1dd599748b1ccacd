"""Postmortems under review: reviews and their decisions, comments, review meetings."""

from django.conf import settings
from django.db import models

from organizations.models import TenantModel
from postmortems.models.documents import Postmortem, Revision


class ReviewDecision(models.TextChoices):
    PENDING = "PENDING", "Pending"
    APPROVED = "APPROVED", "Approved"
    CHANGES_REQUESTED = "CHANGES_REQUESTED", "Changes requested"


class Review(TenantModel):
    """One reviewer's decision in one review round (a submit opens a round)."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    round = models.PositiveIntegerField()
    decision = models.CharField(
        max_length=20, choices=ReviewDecision.choices, default=ReviewDecision.PENDING
    )
    comment = models.TextField(blank=True)
    revision = models.ForeignKey(
        Revision,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The document as submitted for this round: what the reviewer read.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "reviewer", "round"], name="one_review_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} r{self.round} {self.decision}"


class Comment(TenantModel):
    """A comment on a section (or a reply to one). Threads are resolved as a whole: an
    unresolved thread blocks publishing."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="comments")
    section_key = models.SlugField(max_length=60, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["postmortem", "section_key", "resolved_at"])]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.section_key or 'the document'}"


class ReviewMeeting(TenantModel):
    """The postmortem's review meeting: when, how long, who, the agenda's notes."""

    postmortem = models.OneToOneField(
        Postmortem, on_delete=models.CASCADE, related_name="review_meeting"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    location = models.CharField(max_length=300, blank=True, help_text="Room or video link.")
    notes = models.TextField(blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sequence = models.PositiveIntegerField(
        default=0, help_text="iCalendar SEQUENCE: rises with each reschedule."
    )
    uid = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Review meeting of {self.postmortem_id} at {self.starts_at:%Y-%m-%d %H:%M}"


class ReviewMeetingAttendee(TenantModel):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="unique_meeting_attendee")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.meeting_id}"
