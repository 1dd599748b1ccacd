"""Review-meeting tasks: the invitation and cancellation emails. Task names keep the
``postmortems.tasks.`` prefix that queued messages use."""

from celery import shared_task

from postmortems.tasks import RETRY


@shared_task(name="postmortems.tasks.send_review_meeting_emails", max_retries=6, **RETRY)
def send_review_meeting_emails(meeting_id: int, sequence: int) -> int:
    """Email the review meeting's invitation (or cancellation) with its ``.ics`` to each
    attendee not sent it yet for this ``sequence`` (``invitations.meeting_emails_send``:
    idempotent; an outdated sequence does nothing)."""
    from postmortems.meetings.invitations import meeting_emails_send

    return meeting_emails_send(meeting_id=meeting_id, sequence=sequence)


@shared_task(name="postmortems.tasks.send_review_meeting_removals", max_retries=6, **RETRY)
def send_review_meeting_removals(meeting_id: int, sequence: int, user_ids: list[int]) -> int:
    """Email a cancellation to the people taken off a rescheduled meeting's list."""
    from postmortems.meetings.invitations import meeting_removals_send

    return meeting_removals_send(meeting_id=meeting_id, sequence=sequence, user_ids=user_ids)
