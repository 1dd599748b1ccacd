"""Review meetings: who may schedule one, and scheduling, cancelling and taking notes. The
reads (whom to invite, the agenda) are in ``selectors``; the invitation (an iCalendar ``.ics``
attached to one email per attendee) in ``invitations``.

Rights. Scheduling (and rescheduling, cancelling) is for the people who run the review: those
who may edit the postmortem now (author, invited editors, admins; assigned reviewers while it is
in review), its assigned reviewers, and managers (who follow up on learning organization-wide).
Everyone who may read the postmortem sees the meeting and may download its ``.ics``; notes are
taken by the schedulers and by attendees whose role writes (engineers and above). An archived
postmortem's meeting no longer changes (``MeetingLocked``: 409).

Emails. Every change (schedule, reschedule, cancel) raises the meeting's ``sequence`` (except the
first schedule, 0), clears every attendee's ``invited_at`` and, after commit, queues
``tasks.send_review_meeting_emails(meeting_id, sequence)``. The task (``invitations``) sends the
current message (REQUEST, or CANCEL once cancelled) to each attendee whose ``invited_at`` is
empty, holding that attendee's row locked while sending and stamping ``invited_at`` in the same
transaction: a retry or a second worker skips those already sent, and a task queued for an older
sequence does nothing (the newer one sends). People removed from the list at a reschedule get a
CANCEL of their own (``send_review_meeting_removals``; at-least-once, as they have no row left to
stamp).
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from organizations.models import Membership
from organizations.roles import Action, can
from organizations.selectors import membership_in
from postmortems.models import Postmortem, PostmortemStatus, ReviewMeeting, ReviewMeetingAttendee
from postmortems.permissions import Access

DURATIONS = (30, 45, 60, 90)
MAX_ATTENDEES = 60
MAX_NOTES = 50_000


class MeetingLocked(Exception):
    """The meeting cannot change now (archived postmortem, already cancelled…): HTTP 409."""


# --- Rights --------------------------------------------------------------------------------------


def may_schedule(access: Access) -> bool:
    """Schedule, reschedule or cancel: editors of the moment, assigned reviewers, managers."""
    if not access.can_read:
        return False
    return (
        access.can_edit
        or access.is_reviewer
        or access.is_author_with_role
        or access.is_editor
        or can(access.membership, Action.TRACK_ACTION_ITEMS)
    )


def may_take_notes(access: Access, meeting: ReviewMeeting | None, attendee_ids: set[int]) -> bool:
    """Schedulers, and attendees whose role writes."""
    if meeting is None or not access.can_read:
        return False
    if may_schedule(access):
        return True
    return access.user.pk in attendee_ids and can(access.membership, Action.CREATE_POSTMORTEM)


# --- Writes --------------------------------------------------------------------------------------


def _locked(postmortem: Postmortem, actor: AbstractBaseUser) -> Postmortem:
    """Lock the postmortem and check the actor may schedule its review meeting now."""
    locked = (
        Postmortem.objects.select_for_update(of=("self",))
        .filter(pk=postmortem.pk)
        .select_related("organization", "incident", "author")
        .get()
    )
    membership = membership_in(locked.organization, actor)
    if not may_schedule(Access(user=actor, membership=membership, postmortem=locked)):
        raise PermissionDenied(
            "Only the author, editors, reviewers, managers and admins schedule the review."
        )
    if locked.status == PostmortemStatus.ARCHIVED:
        raise MeetingLocked(f"PM-{locked.number} is archived: its review meeting is closed.")
    return locked


def _validate(
    postmortem: Postmortem,
    *,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    attendees: list[AbstractBaseUser],
) -> list[AbstractBaseUser]:
    """Refuse a meeting in the past, an odd length, no or unknown attendees. Answers the
    attendees, deduplicated."""
    errors: dict[str, str] = {}
    if timezone.is_naive(starts_at):
        errors["date"] = "Give the date and time in the organization's time zone."
    elif starts_at <= timezone.now():
        errors["date"] = "This moment has passed: choose a date and time in the future."
    elif starts_at > timezone.now() + timedelta(days=366):
        errors["date"] = "Choose a date within the next year."
    if duration_minutes not in DURATIONS:
        errors["duration"] = "Choose 30, 45, 60 or 90 minutes."
    if len(location) > 300:
        errors["location"] = "Keep the location under 300 characters."
    people = list({user.pk: user for user in attendees if user is not None}.values())
    if not people:
        errors["attendees"] = "Invite at least one person."
    elif len(people) > MAX_ATTENDEES:
        errors["attendees"] = f"Invite at most {MAX_ATTENDEES} people."
    else:
        members = set(
            Membership.objects.filter(
                organization_id=postmortem.organization_id, user__in=[u.pk for u in people]
            ).values_list("user_id", flat=True)
        )
        strangers = [u for u in people if u.pk not in members]
        if strangers:
            names = ", ".join(u.get_username() for u in strangers)
            errors["attendees"] = f"Only members of this organization can be invited ({names})."
    if errors:
        raise ValidationError(errors)
    return people


def _set_attendees(meeting: ReviewMeeting, people: list[AbstractBaseUser]) -> list[int]:
    """Make ``people`` the attendees, each to be (re-)invited. Answers the removed user ids."""
    wanted = {user.pk for user in people}
    current = set(
        ReviewMeetingAttendee.objects.filter(meeting=meeting).values_list("user_id", flat=True)
    )
    removed = sorted(current - wanted)
    ReviewMeetingAttendee.objects.filter(meeting=meeting, user_id__in=removed).delete()
    ReviewMeetingAttendee.objects.filter(meeting=meeting).update(invited_at=None)
    ReviewMeetingAttendee.objects.bulk_create(
        ReviewMeetingAttendee(organization_id=meeting.organization_id, meeting=meeting, user=user)
        for user in people
        if user.pk not in current
    )
    return removed


def _queue_emails(meeting: ReviewMeeting, removed: Iterable[int] = ()) -> None:
    from postmortems.meetings import tasks

    meeting_id, sequence, removed = meeting.pk, meeting.sequence, list(removed)

    def queue() -> None:
        tasks.send_review_meeting_emails.delay(meeting_id, sequence)
        if removed:
            tasks.send_review_meeting_removals.delay(meeting_id, sequence, removed)

    # robust: a broker outage must not turn a committed schedule into an error page.
    transaction.on_commit(queue, robust=True)


def new_uid(postmortem: Postmortem) -> str:
    host = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].partition("@")[2] or "hindsight"
    return f"review-{postmortem.organization_id}-{postmortem.number}-{uuid.uuid4().hex}@{host}"


@transaction.atomic
def meeting_schedule(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    starts_at: datetime,
    duration_minutes: int,
    location: str,
    attendees: list[AbstractBaseUser],
) -> ReviewMeeting:
    """Schedule the review meeting (or reschedule it when one is planned: ``sequence`` + 1),
    and invite every attendee after commit. A cancelled meeting scheduled again is a new
    calendar event (new ``uid``, ``sequence`` 0)."""
    locked = _locked(postmortem, actor)
    location = location.strip()
    people = _validate(
        locked,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        location=location,
        attendees=attendees,
    )
    meeting = ReviewMeeting.objects.select_for_update().filter(postmortem=locked).first()
    if meeting is None:
        meeting = ReviewMeeting(
            organization=locked.organization, postmortem=locked, uid=new_uid(locked)
        )
    elif meeting.cancelled_at is not None:
        meeting.uid, meeting.sequence, meeting.cancelled_at = new_uid(locked), 0, None
        ReviewMeetingAttendee.objects.filter(meeting=meeting).delete()
    else:
        meeting.sequence += 1
    meeting.starts_at = starts_at
    meeting.duration_minutes = duration_minutes
    meeting.location = location
    meeting.organizer = actor
    meeting.save()
    removed = _set_attendees(meeting, people)
    _queue_emails(meeting, removed)
    return meeting


@transaction.atomic
def meeting_cancel(*, postmortem: Postmortem, actor: AbstractBaseUser) -> ReviewMeeting:
    """Cancel the planned meeting; every attendee gets a CANCEL after commit."""
    locked = _locked(postmortem, actor)
    meeting = ReviewMeeting.objects.select_for_update().filter(postmortem=locked).first()
    if meeting is None:
        raise MeetingLocked("No review meeting is scheduled.")
    if meeting.cancelled_at is not None:
        raise MeetingLocked("The review meeting is cancelled already.")
    meeting.cancelled_at = timezone.now()
    meeting.sequence += 1
    meeting.save(update_fields=["cancelled_at", "sequence", "updated_at"])
    ReviewMeetingAttendee.objects.filter(meeting=meeting).update(invited_at=None)
    _queue_emails(meeting)
    return meeting


@transaction.atomic
def meeting_notes_save(
    *, postmortem: Postmortem, actor: AbstractBaseUser, notes: str
) -> ReviewMeeting:
    """Save the meeting's notes (markdown, rendered sanitized)."""
    meeting = (
        ReviewMeeting.objects.select_for_update()
        .filter(postmortem=postmortem)
        .select_related("postmortem", "postmortem__organization")
        .first()
    )
    if meeting is None:
        raise MeetingLocked("Schedule the review meeting before taking notes.")
    locked = meeting.postmortem
    membership = membership_in(locked.organization, actor)
    attendee_ids = set(
        ReviewMeetingAttendee.objects.filter(meeting=meeting).values_list("user_id", flat=True)
    )
    access = Access(user=actor, membership=membership, postmortem=locked)
    if not may_take_notes(access, meeting, attendee_ids):
        raise PermissionDenied("Only the organizers and attendees take the meeting's notes.")
    if locked.status == PostmortemStatus.ARCHIVED:
        raise MeetingLocked(f"PM-{locked.number} is archived: its meeting notes are final.")
    if len(notes) > MAX_NOTES:
        raise ValidationError({"notes": f"Notes are limited to {MAX_NOTES:,} characters."})
    meeting.notes = notes.replace("\r\n", "\n")
    meeting.save(update_fields=["notes", "updated_at"])
    return meeting
