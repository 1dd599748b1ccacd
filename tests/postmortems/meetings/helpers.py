"""The meeting pages' URLs, the schedule form and the invitation's calendar, for meeting tests."""

import zoneinfo
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from postmortems.models import Postmortem


def url(name: str, postmortem: Postmortem, slug: str = "acme") -> str:
    return reverse(name, kwargs={"org_slug": slug, "number": postmortem.number})


def local_now(org) -> datetime:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(org.time_zone))


def form_data(when: datetime, attendees, *, duration=60, location="Room 4.01", others=""):
    return {
        "date": when.date().isoformat(),
        "time": when.strftime("%H:%M"),
        "duration": str(duration),
        "location": location,
        "attendees": [str(user.pk) for user in attendees],
        "others": others,
    }


def in_three_days(org) -> datetime:
    return (local_now(org) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)


def schedule(client, postmortem, user, attendees, when=None, **kwargs):
    client.force_login(user)
    when = when or in_three_days(postmortem.organization)
    return client.post(url("postmortem_meeting", postmortem), form_data(when, attendees, **kwargs))


def parse(ics: bytes):
    calendar = Calendar.from_ical(ics)
    event = calendar.walk("VEVENT")[0]
    attendees = event.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees] if attendees else []
    return calendar, event, attendees
