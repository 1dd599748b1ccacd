"""Review-meeting tasks: the invitation and cancellation emails. Task names keep the
``postmortems.tasks.`` prefix that queued messages use."""

from celery import shared_task

from organizations.scoping import in_organization_of
from postmortems.models import ReviewMeeting
from postmortems.tasks import RETRY


@shared_task(name="postmortems.tasks.send_review_meeting_emails", max_retries=6, **RETRY)
@in_organization_of(ReviewMeeting, missing=0)
def send_review_meeting_emails(meeting: ReviewMeeting, sequence: int) -> int:
    """Email the review meeting's invitation (or cancellation) with its ``.ics`` to each
    attendee not sent it yet for this ``sequence`` (``invitations.meeting_emails_send``:
    idempotent; an outdated sequence does nothing)."""
    from postmortems.meetings.invitations import meeting_emails_send

    return meeting_emails_send(meeting=meeting, sequence=sequence)


@shared_task(name="postmortems.tasks.send_review_meeting_removals", max_retries=6, **RETRY)
@in_organization_of(ReviewMeeting, missing=0)
def send_review_meeting_removals(meeting: ReviewMeeting, sequence: int, user_ids: list[int]) -> int:
    """Email a cancellation to the people taken off a rescheduled meeting's list."""
    from postmortems.meetings.invitations import meeting_removals_send

    return meeting_removals_send(meeting=meeting, sequence=sequence, user_ids=user_ids)
