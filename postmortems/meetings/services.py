"""Review meetings: who may schedule one, whom to invite, the agenda, the notes, and the
invitation (an iCalendar ``.ics`` attached to one email per attendee).

Rights. Scheduling (and rescheduling, cancelling) is for the people who run the review: those
who may edit the postmortem now (author, invited editors, admins; assigned reviewers while it is
in review), its assigned reviewers, and managers (who follow up on learning organization-wide).
Everyone who may read the postmortem sees the meeting and may download its ``.ics``; notes are
taken by the schedulers and by attendees whose role writes (engineers and above). An archived
postmortem's meeting no longer changes (``MeetingLocked``: 409).

Times are stored in UTC (``starts_at``), shown in the organization's time zone, and written to
the ``.ics`` in UTC (``DTSTART:…Z``), which every calendar converts for its reader.

Emails. Every change (schedule, reschedule, cancel) raises the meeting's ``sequence`` (except the
first schedule, 0), clears every attendee's ``invited_at`` and, after commit, queues
``tasks.send_review_meeting_emails(meeting_id, sequence)``. The task sends the current message
(REQUEST, or CANCEL once cancelled) to each attendee whose ``invited_at`` is empty, holding that
attendee's row locked while sending and stamping ``invited_at`` in the same transaction: a retry
or a second worker skips those already sent, and a task queued for an older sequence does
nothing (the newer one sends). People removed from the list at a reschedule get a CANCEL of
their own (``send_review_meeting_removals``; at-least-once, as they have no row left to stamp).
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from incidents.models import IncidentParticipant
from organizations.models import Membership
from organizations.people import display_name
from organizations.roles import Action, can
from organizations.selectors import membership_in
from organizations.site import absolute_url
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    Review,
    ReviewMeeting,
    ReviewMeetingAttendee,
)
from postmortems.permissions import EDIT_PERMISSION, REVIEW_PERMISSION, Access
from postmortems.review.selectors import users_with_permission

DURATIONS = (30, 45, 60, 90)
MAX_ATTENDEES = 60
MAX_NOTES = 50_000
PRODID = "-//Hindsight//Postmortem review meetings//EN"


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


# --- Reads ---------------------------------------------------------------------------------------


def meeting_of(postmortem: Postmortem) -> ReviewMeeting | None:
    return ReviewMeeting.objects.filter(postmortem=postmortem).select_related("organizer").first()


def attendees_of(meeting: ReviewMeeting) -> list[ReviewMeetingAttendee]:
    return list(
        ReviewMeetingAttendee.objects.filter(meeting=meeting)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


@dataclass
class Suggestion:
    """A person suggested for the meeting and why (``["Author", "Reviewer"]``)."""

    user: AbstractBaseUser
    reasons: list[str] = field(default_factory=list)


def suggested_attendees(postmortem: Postmortem) -> list[Suggestion]:
    """Author, invited editors, the incident's commander and participants, and the reviewers
    (assigned, and those of the current round): current members only, in a fixed number of
    queries."""
    found: dict[int, Suggestion] = {}

    def add(user, reason: str) -> None:
        if user is not None:
            found.setdefault(user.pk, Suggestion(user)).reasons.append(reason)

    add(postmortem.author, "Author")
    for user in users_with_permission(postmortem, EDIT_PERMISSION):
        add(user, "Editor")
    incident = postmortem.incident
    if incident is not None:
        if incident.commander_id:
            add(get_user_model().objects.filter(pk=incident.commander_id).first(), "Commander")
        participants = IncidentParticipant.objects.filter(incident=incident).exclude(
            user_id=incident.commander_id
        )
        for row in participants.select_related("user"):
            add(row.user, "Participant")
    reviewers = {user.pk: user for user in users_with_permission(postmortem, REVIEW_PERMISSION)}
    if postmortem.review_round:
        for review in Review.objects.filter(
            postmortem=postmortem, round=postmortem.review_round
        ).select_related("reviewer"):
            reviewers.setdefault(review.reviewer_id, review.reviewer)
    for user in reviewers.values():
        add(user, "Reviewer")
    members = set(
        Membership.objects.filter(
            organization_id=postmortem.organization_id, user_id__in=list(found)
        ).values_list("user_id", flat=True)
    )
    people = [s for pk, s in found.items() if pk in members]
    people.sort(key=lambda s: display_name(s.user).lower())
    return people


@dataclass(frozen=True)
class AgendaItem:
    key: str
    title: str
    minutes: int
    starts_at: datetime
    guidance: str


AGENDA = (
    (
        "introduction",
        "Introduction and blameless reminder",
        1,
        "Why we meet: to learn how the system let this happen, not who to blame. Everyone "
        "acted reasonably with what they knew at the time.",
    ),
    (
        "timeline",
        "Timeline walkthrough",
        3,
        "Walk through the key events: detection, response, mitigation, resolution. Fill gaps "
        "and note where signals were missed or slow.",
    ),
    (
        "analysis",
        "Contributing factors and root cause",
        3,
        "Which conditions combined to cause the incident? Agree on the root cause category "
        "and the factors worth fixing.",
    ),
    (
        "action_items",
        "Action items and owners",
        3,
        "Each item gets one owner, a due date and success criteria that anyone can check.",
    ),
    (
        "went_well",
        "What went well",
        1,
        "What helped: tooling, people, luck. Keep it so it keeps working next time.",
    ),
    (
        "wrap_up",
        "Wrap-up",
        1,
        "Recap decisions and owners, who finishes the document, and when it is published.",
    ),
)


def agenda_minutes(duration: int) -> list[int]:
    """Split ``duration`` minutes over the agenda by weight (largest remainder: the parts
    always add up to the duration; ties go to the heavier, then the earlier item)."""
    weights = [weight for _, _, weight, _ in AGENDA]
    total = sum(weights)
    exact = [duration * weight / total for weight in weights]
    minutes = [int(share) for share in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - minutes[i]), -weights[i], i))
    for i in order[: duration - sum(minutes)]:
        minutes[i] += 1
    return minutes


def agenda_for(meeting: ReviewMeeting) -> list[AgendaItem]:
    """The agenda with time boxes scaled to the meeting's length, and their starting times."""
    items, start = [], meeting.starts_at
    for (key, title, _, guidance), minutes in zip(
        AGENDA, agenda_minutes(meeting.duration_minutes), strict=True
    ):
        items.append(AgendaItem(key, title, minutes, start, guidance))
        start = start + timedelta(minutes=minutes)
    return items


def ends_at(meeting: ReviewMeeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def is_active(meeting: ReviewMeeting | None) -> bool:
    return meeting is not None and meeting.cancelled_at is None


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


# --- The invitation ------------------------------------------------------------------------------


def meeting_title(postmortem: Postmortem) -> str:
    return f"Postmortem review: PM-{postmortem.number} {postmortem.title}"


def meeting_url(meeting: ReviewMeeting) -> str:
    path = reverse(
        "postmortem_meeting",
        kwargs={
            "org_slug": meeting.postmortem.organization.slug,
            "number": meeting.postmortem.number,
        },
    )
    return absolute_url(path)


def _address(user: AbstractBaseUser | None) -> vCalAddress:
    email = (user.email if user is not None else "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    address = vCalAddress(f"mailto:{email}")
    name = display_name(user)
    address.params["cn"] = vText(name)
    return address


def description_text(meeting: ReviewMeeting) -> str:
    """The agenda with local times, and the link: the event's DESCRIPTION and the email body."""
    zone = timezone.get_current_timezone_name()
    lines = [f"Agenda (times in {zone}):"]
    for item in agenda_for(meeting):
        local = timezone.localtime(item.starts_at)
        lines.append(f"{local:%H:%M}  {item.title} ({item.minutes} min)")
    lines += ["", "We review systems, not people: this is a blameless review.", ""]
    lines.append(f"Meeting page, agenda and notes: {meeting_url(meeting)}")
    return "\n".join(lines)


def meeting_ics(
    meeting: ReviewMeeting,
    attendees: list[AbstractBaseUser],
    *,
    cancel: bool | None = None,
) -> bytes:
    """The meeting as an iCalendar invitation (METHOD:REQUEST, or CANCEL when cancelled), with
    UTC times and one ATTENDEE per person with an email address."""
    cancel = meeting.cancelled_at is not None if cancel is None else cancel
    postmortem = meeting.postmortem
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", ends_at(meeting).astimezone(UTC))
    event.add("summary", meeting_title(postmortem))
    event.add("description", description_text(meeting))
    event.add("url", meeting_url(meeting))
    if meeting.location:
        event.add("location", meeting.location)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    event["organizer"] = _address(meeting.organizer)
    for user in attendees:
        if not user.email:
            continue
        address = _address(user)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("TRUE")
        event.add("attendee", address, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


def _send(meeting: ReviewMeeting, user: AbstractBaseUser, ics: bytes, *, cancel: bool) -> None:
    postmortem = meeting.postmortem
    organization = postmortem.organization
    context = {
        "meeting": meeting,
        "postmortem": postmortem,
        "organization": organization,
        "recipient": user,
        "cancel": cancel,
        "agenda": agenda_for(meeting),
        "ends_at": ends_at(meeting),
        "link": meeting_url(meeting),
        "title": meeting_title(postmortem),
    }
    local = timezone.localtime(meeting.starts_at)
    prefix = "Cancelled" if cancel else ("Updated invitation" if meeting.sequence else "Invitation")
    subject = (
        f"[{organization.name}] {prefix}: {meeting_title(postmortem)} "
        f"@ {local:%a %b %-d, %Y %H:%M} ({organization.time_zone})"
    )
    message = EmailMultiAlternatives(
        subject=subject[:250],
        body=render_to_string("postmortems/email/meeting_invite.txt", context),
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("postmortems/email/meeting_invite.html", context), "text/html"
    )
    method = "CANCEL" if cancel else "REQUEST"
    message.attach("invite.ics", ics, f"text/calendar; method={method}; charset=UTF-8")
    message.send()


def meeting_emails_send(*, meeting: ReviewMeeting, sequence: int) -> int:
    """Send the meeting's current message to every attendee not sent it yet, in its
    organization's scope (the task's); answers how many were sent. Safe to run twice; does
    nothing for an outdated ``sequence``."""
    sent = 0
    if meeting.sequence != sequence:
        return 0
    cancel = meeting.cancelled_at is not None
    with timezone.override(meeting.organization.time_zone):
        ics = meeting_ics(meeting, [a.user for a in attendees_of(meeting)], cancel=cancel)
        pending = ReviewMeetingAttendee.objects.filter(meeting=meeting, invited_at__isnull=True)
        for attendee_id in list(pending.values_list("pk", flat=True)):
            sent += _send_once(meeting, attendee_id, ics, cancel=cancel)
    return sent


def _send_once(meeting: ReviewMeeting, attendee_id: int, ics: bytes, *, cancel: bool) -> bool:
    with transaction.atomic():
        attendee = (
            ReviewMeetingAttendee.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=attendee_id, invited_at__isnull=True)
            .first()
        )
        if attendee is None:
            return False
        # the meeting may have changed since the task started: a newer task sends that one
        if not ReviewMeeting.objects.filter(pk=meeting.pk, sequence=meeting.sequence).exists():
            return False
        if attendee.user.email:
            _send(meeting, attendee.user, ics, cancel=cancel)
        ReviewMeetingAttendee.objects.filter(pk=attendee.pk).update(invited_at=timezone.now())
    return bool(attendee.user.email)


def meeting_removals_send(*, meeting: ReviewMeeting, sequence: int, user_ids: list[int]) -> int:
    """Tell people taken off the list that the meeting is off for them (a CANCEL listing
    them), in its organization's scope (the task's). Skipped when the meeting changed again or
    they were invited back."""
    if meeting.sequence != sequence:
        return 0
    back = set(
        ReviewMeetingAttendee.objects.filter(meeting=meeting).values_list("user_id", flat=True)
    )
    users = [
        user
        for user in get_user_model().objects.filter(pk__in=user_ids).order_by("pk")
        if user.pk not in back and user.email
    ]
    with timezone.override(meeting.organization.time_zone):
        for user in users:
            _send(meeting, user, meeting_ics(meeting, [user], cancel=True), cancel=True)
    return len(users)
