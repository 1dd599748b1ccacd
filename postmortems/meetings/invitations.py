"""A review meeting's invitation: the iCalendar ``.ics`` and the emails that carry it.

Times are stored in UTC (``starts_at``), shown in the organization's time zone, and written to
the ``.ics`` in UTC (``DTSTART:…Z``), which every calendar converts for its reader. The emails
are sent by the tasks that ``services`` queues after each change, at most once per attendee and
``sequence``.
"""

from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from organizations.people import display_name
from organizations.site import absolute_url
from postmortems.meetings.selectors import agenda_for, attendees_of, ends_at
from postmortems.models import Postmortem, ReviewMeeting, ReviewMeetingAttendee

PRODID = "-//Hindsight//Postmortem review meetings//EN"


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
