"""Review meetings: who may schedule, validation, the invitation (.ics) and its
emails, rescheduling and cancelling, the agenda's time boxes, notes, and the page itself."""

import re
import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from icalendar import Calendar

from incidents.models import IncidentParticipant
from organizations.roles import Role
from postmortems.meetings import services as meetings
from postmortems.meetings import tasks as meeting_tasks
from postmortems.meetings.selectors import agenda_for, agenda_minutes, suggested_attendees
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    ReviewMeeting,
    ReviewMeetingAttendee,
    Visibility,
)
from postmortems.review import people as services_people
from tests.postmortems.editor.helpers import make_incident, make_postmortem

# --- People and helpers --------------------------------------------------------------------------


@pytest.fixture
def participant(member_factory):
    return member_factory(Role.ENGINEER, username="pia", first_name="Pia", last_name="Part")


@pytest.fixture
def editor(member_factory):
    return member_factory(Role.ENGINEER, username="ed", first_name="Ed", last_name="Itor")


@pytest.fixture
def bystander(member_factory):
    return member_factory(Role.ENGINEER, username="bys", first_name="By", last_name="Stander")


@pytest.fixture
def postmortem(org, draft, author, reviewer, participant, editor):
    """ann's draft with pia on the incident, ed invited to edit and rita assigned to review."""
    IncidentParticipant.objects.create(organization=org, incident=draft.incident, user=participant)
    with scope(organization=org):
        services_people.editor_invite(postmortem=draft, actor=author, user=editor)
        services_people.reviewer_assign(postmortem=draft, actor=author, user=reviewer)
    return draft


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


def ics_of(message) -> bytes:
    (attachment,) = [a for a in message.attachments if a[0] == "invite.ics"]
    data = attachment[1]
    return data if isinstance(data, bytes) else data.encode()


# --- Suggestions ---------------------------------------------------------------------------------


def test_suggestions_are_the_people_of_the_document_and_its_incident(
    org, other_org, postmortem, author, reviewer, participant, editor, member_factory
):
    stranger = member_factory(Role.ENGINEER, organization=other_org, username="zed")
    IncidentParticipant.objects.create(
        organization=org, incident=postmortem.incident, user=stranger
    )
    with scope(organization=org):
        found = {s.user.username: s.reasons for s in suggested_attendees(postmortem)}
    assert found == {
        "ann": ["Author", "Commander"],
        "ed": ["Editor"],
        "pia": ["Participant"],
        "rita": ["Reviewer"],
    }  # zed is on the incident but no member here: not suggested


def test_the_schedule_form_comes_with_the_suggestions_checked(
    client, postmortem, author, participant
):
    client.force_login(author)
    html = client.get(url("postmortem_meeting", postmortem)).content.decode()
    assert "Schedule the review" in html
    assert f'name="attendees" value="{participant.pk}" checked' in html
    assert "Participant" in html


# --- Rights --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["author", "editor", "reviewer", "manager", "admin"])
def test_those_who_run_the_review_may_schedule_it(
    request,
    client,
    postmortem,
    author,
    participant,
    member_factory,
    who,
    django_capture_on_commit_callbacks,
):
    people = {
        "author": author,
        "editor": request.getfixturevalue("editor"),
        "reviewer": request.getfixturevalue("reviewer"),
        "manager": member_factory(Role.MANAGER, username="mgr"),
        "admin": member_factory(Role.ADMIN, username="adm"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = schedule(client, postmortem, people[who], [author, participant])
    assert response.status_code == 302
    meeting = ReviewMeeting.objects.get(postmortem=postmortem)
    assert meeting.organizer == people[who]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER])
def test_uninvolved_engineers_and_viewers_may_not_schedule(
    client, postmortem, author, member_factory, role
):
    outsider = member_factory(role, username=f"out-{role.lower()}")
    response = schedule(client, postmortem, outsider, [author])
    assert response.status_code == 403
    assert not ReviewMeeting.objects.exists()
    # they may read the page, without the form
    page = client.get(url("postmortem_meeting", postmortem))
    assert page.status_code == 200
    assert "Schedule the review" not in page.content.decode()
    assert "No review meeting yet" in page.content.decode()
    cancel = client.post(url("postmortem_meeting_cancel", postmortem))
    assert cancel.status_code == 403


def test_other_organizations_and_invisible_postmortems_answer_404(
    client, other_org, postmortem, author, bystander, member_factory
):
    foreigner = member_factory(Role.ADMIN, organization=other_org, username="foreign")
    response = schedule(client, postmortem, foreigner, [author])
    assert response.status_code == 404
    client.force_login(foreigner)
    assert client.get(url("postmortem_meeting", postmortem, slug="acme")).status_code == 404
    # the globex admin naming acme's number in globex: no such postmortem there
    assert client.get(url("postmortem_meeting", postmortem, slug="globex")).status_code == 404
    Postmortem.objects.filter(pk=postmortem.pk).update(visibility=Visibility.PRIVATE)
    client.force_login(bystander)
    for name in ("postmortem_meeting", "postmortem_meeting_ics"):
        assert client.get(url(name, postmortem)).status_code == 404
    for name in ("postmortem_meeting", "postmortem_meeting_notes", "postmortem_meeting_cancel"):
        assert client.post(url(name, postmortem), {"notes": "x"}).status_code == 404
    assert not ReviewMeeting.objects.exists()


def test_an_archived_postmortems_meeting_is_closed(client, postmortem, member_factory, author):
    admin = member_factory(Role.ADMIN, username="adm")
    Postmortem.objects.filter(pk=postmortem.pk).update(status=PostmortemStatus.ARCHIVED)
    response = schedule(client, postmortem, admin, [author])
    assert response.status_code == 409
    assert "archived" in response.content.decode()
    assert not ReviewMeeting.objects.exists()


# --- Validation ----------------------------------------------------------------------------------


def test_a_meeting_in_the_past_is_refused(client, org, postmortem, author):
    yesterday = in_three_days(org) - timedelta(days=4)
    response = schedule(client, postmortem, author, [author], when=yesterday)
    assert response.status_code == 400
    assert "This moment has passed" in response.content.decode()
    assert not ReviewMeeting.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duration": "20"}, "Select a valid choice"),
        ({"duration": "600"}, "Select a valid choice"),
        ({"attendees": []}, "Invite at least one person."),
        ({"others": "nobody-here"}, "No member here named nobody-here."),
        ({"date": "2020-13-45"}, "Enter a valid date."),
        ({"location": "x" * 301}, "at most 300 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, org, postmortem, author, change, message):
    client.force_login(author)
    data = {**form_data(in_three_days(org), [author]), **change}
    response = client.post(url("postmortem_meeting", postmortem), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_a_date_more_than_a_year_ahead_is_refused(client, org, postmortem, author):
    far = in_three_days(org) + timedelta(days=400)
    response = schedule(client, postmortem, author, [author], when=far)
    assert response.status_code == 400
    assert "within the next year" in response.content.decode()


def test_only_members_of_this_organization_can_be_invited(
    client, org, other_org, postmortem, author, member_factory
):
    foreigner = member_factory(Role.ENGINEER, organization=other_org, username="foreign")
    response = schedule(client, postmortem, author, [author, foreigner])
    assert response.status_code == 400  # not one of the choices
    response = schedule(client, postmortem, author, [author], others="foreign")
    assert response.status_code == 400
    assert "No member here named foreign." in response.content.decode()
    with scope(organization=org), pytest.raises(Exception, match="Only members"):
        meetings.meeting_schedule(
            postmortem=postmortem,
            actor=author,
            starts_at=timezone.now() + timedelta(days=2),
            duration_minutes=60,
            location="",
            attendees=[foreigner],
        )


# --- Invitations ---------------------------------------------------------------------------------


def test_scheduling_emails_every_attendee_an_ics_invitation(
    client,
    org,
    postmortem,
    author,
    participant,
    reviewer,
    bystander,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = schedule(
            client, postmortem, author, [author, participant, reviewer], others="bys"
        )
    assert response.status_code == 302
    meeting = ReviewMeeting.objects.get(postmortem=postmortem)
    assert meeting.sequence == 0
    expected = {u.email for u in (author, participant, reviewer, bystander)}
    assert {m.to[0] for m in mail.outbox} == expected
    assert len(mail.outbox) == 4
    message = mail.outbox[0]
    assert f"Postmortem review: PM-{postmortem.number} {postmortem.title}" in message.subject
    assert message.alternatives and "text/html" in message.alternatives[0][1]
    (attachment,) = message.attachments
    assert attachment[2].startswith("text/calendar; method=REQUEST")
    calendar, event, attendees = parse(ics_of(message))
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == meeting.uid
    assert int(event["sequence"]) == 0
    assert str(event["summary"]) == f"Postmortem review: PM-{postmortem.number} {postmortem.title}"
    assert {str(a).lower() for a in attendees} == {f"mailto:{e}" for e in expected}
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["CN"]
    assert str(event["organizer"]).lower() == f"mailto:{author.email}"
    assert str(event["location"]) == "Room 4.01"
    assert "Timeline walkthrough" in str(event["description"])
    assert f"/o/acme/postmortems/{postmortem.number}/meeting/" in str(event["description"])
    start = event.decoded("dtstart")
    assert start.utcoffset() == timedelta(0)
    assert start == meeting.starts_at
    assert event.decoded("dtend") - start == timedelta(minutes=60)
    assert b"DTSTART:" in ics_of(message) and b"Z\r\n" in ics_of(message)
    assert all(a.invited_at for a in ReviewMeetingAttendee.objects.filter(meeting=meeting))
    page = client.get(url("postmortem_meeting", postmortem)).content.decode()
    assert page.count("mt-invite--sent") == 4


def next_date(month: int, day: int) -> date:
    today = timezone.now().date()
    candidate = date(today.year, month, day)
    return candidate if candidate > today + timedelta(days=1) else date(today.year + 1, month, day)


@pytest.mark.parametrize(("month", "utc_hour"), [(1, 15), (7, 14)])
def test_times_are_the_organizations_and_the_ics_says_them_in_utc(
    client, org, postmortem, author, month, utc_hour, django_capture_on_commit_callbacks
):
    """New York: 10:00 is 15:00Z in winter (EST) and 14:00Z in summer (EDT)."""
    org.time_zone = "America/New_York"
    org.save()
    day = next_date(month, 15)
    client.force_login(author)
    data = form_data(datetime(day.year, day.month, day.day, 10, 0), [author], duration=90)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("postmortem_meeting", postmortem), data)
    assert response.status_code == 302
    _, event, _ = parse(ics_of(mail.outbox[0]))
    start = event.decoded("dtstart")
    assert (start.year, start.month, start.day, start.hour, start.minute) == (
        day.year,
        day.month,
        day.day,
        utc_hour,
        0,
    )
    assert start.utcoffset() == timedelta(0)
    assert event.decoded("dtend") - start == timedelta(minutes=90)
    assert "times in America/New_York" in str(event["description"])
    assert "10:00  Introduction" in str(event["description"])
    page = client.get(url("postmortem_meeting", postmortem)).content.decode()
    assert "10:00–11:30" in page
    download = client.get(url("postmortem_meeting_ics", postmortem))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/calendar")
    assert "attachment;" in download["Content-Disposition"]
    _, downloaded, _ = parse(download.content)
    assert downloaded.decoded("dtstart") == start


def test_rescheduling_bumps_the_sequence_and_tells_everyone(
    client, org, postmortem, author, participant, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(client, postmortem, author, [author, participant, reviewer])
    meeting = ReviewMeeting.objects.get(postmortem=postmortem)
    uid = meeting.uid
    mail.outbox.clear()
    later = in_three_days(org) + timedelta(days=1, hours=4)
    with django_capture_on_commit_callbacks(execute=True):
        response = schedule(client, postmortem, author, [author, participant], when=later)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and meeting.uid == uid
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {author.email, participant.email, reviewer.email}
    calendar, event, attendees = parse(ics_of(by_recipient[participant.email]))
    assert str(calendar["method"]) == "REQUEST"
    assert int(event["sequence"]) == 1 and str(event["uid"]) == uid
    assert event.decoded("dtstart") == later
    assert {str(a).lower() for a in attendees} == {
        f"mailto:{author.email}",
        f"mailto:{participant.email}",
    }
    assert "Updated invitation" in by_recipient[participant.email].subject
    # rita was taken off the list: she gets a cancellation for her
    removed = by_recipient[reviewer.email]
    calendar, event, attendees = parse(ics_of(removed))
    assert str(calendar["method"]) == "CANCEL"
    assert [str(a).lower() for a in attendees] == [f"mailto:{reviewer.email}"]
    assert "method=CANCEL" in removed.attachments[0][2]


def test_cancelling_sends_a_cancel_and_the_meeting_can_be_planned_again(
    client, org, postmortem, author, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(client, postmortem, author, [author, participant])
    meeting = ReviewMeeting.objects.get(postmortem=postmortem)
    first_uid = meeting.uid
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("postmortem_meeting_cancel", postmortem))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.cancelled_at is not None and meeting.sequence == 1
    assert {m.to[0] for m in mail.outbox} == {author.email, participant.email}
    calendar, event, _ = parse(ics_of(mail.outbox[0]))
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1 and str(event["uid"]) == first_uid
    assert mail.outbox[0].subject.startswith("[Acme Corporation] Cancelled:")
    page = client.get(url("postmortem_meeting", postmortem)).content.decode()
    assert "was cancelled" in page and "Schedule the review" in page
    again = client.post(url("postmortem_meeting_cancel", postmortem))
    assert again.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        schedule(client, postmortem, author, [author])
    meeting.refresh_from_db()
    assert meeting.cancelled_at is None and meeting.sequence == 0
    assert meeting.uid != first_uid
    assert list(meeting.attendees.values_list("user__username", flat=True)) == ["ann"]


def test_the_email_task_is_idempotent_and_ignores_outdated_sequences(
    client, postmortem, author, participant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        schedule(client, postmortem, author, [author, participant])
    assert len(callbacks) == 1  # queued after commit, not sent inline
    assert mail.outbox == []
    meeting = ReviewMeeting.objects.get(postmortem=postmortem)
    assert meeting_tasks.send_review_meeting_emails(meeting.pk, 0) == 2
    assert meeting_tasks.send_review_meeting_emails(meeting.pk, 0) == 0  # a retry
    assert len(mail.outbox) == 2
    ReviewMeetingAttendee.objects.filter(meeting=meeting).update(invited_at=None)
    assert meeting_tasks.send_review_meeting_emails(meeting.pk, 5) == 0  # stale task
    assert meeting_tasks.send_review_meeting_emails(meeting.pk + 99, 0) == 0  # gone
    assert len(mail.outbox) == 2


def test_an_attendee_without_an_email_is_listed_but_not_mailed(
    client, postmortem, author, participant, django_capture_on_commit_callbacks
):
    participant.email = ""
    participant.save()
    with django_capture_on_commit_callbacks(execute=True):
        schedule(client, postmortem, author, [author, participant])
    assert [m.to for m in mail.outbox] == [[author.email]]
    page = client.get(url("postmortem_meeting", postmortem)).content.decode()
    assert "No email" in page


# --- The agenda ----------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", meetings.DURATIONS)
def test_agenda_time_boxes_add_up_to_the_duration(duration):
    minutes = agenda_minutes(duration)
    assert sum(minutes) == duration
    assert len(minutes) == 6 and all(m >= 2 for m in minutes)


def test_agenda_items_follow_each_other_from_the_start():
    start = datetime(2030, 5, 6, 8, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    meeting = ReviewMeeting(starts_at=start, duration_minutes=60)
    items = agenda_for(meeting)
    assert [i.title for i in items] == [
        "Introduction and blameless reminder",
        "Timeline walkthrough",
        "Contributing factors and root cause",
        "Action items and owners",
        "What went well",
        "Wrap-up",
    ]
    assert [i.minutes for i in items] == [5, 15, 15, 15, 5, 5]
    assert [i.starts_at.strftime("%H:%M") for i in items] == [
        "08:00",
        "08:05",
        "08:20",
        "08:35",
        "08:50",
        "08:55",
    ]
    assert agenda_minutes(45) == [4, 11, 11, 11, 4, 4]


def test_the_page_shows_the_agenda_with_starting_times(client, org, postmortem, author):
    when = in_three_days(org).replace(hour=14, minute=0)
    schedule(client, postmortem, author, [author], when=when, duration=30)
    html = client.get(url("postmortem_meeting", postmortem)).content.decode()
    for start, minutes in (("14:00", 2), ("14:02", 8), ("14:10", 8), ("14:18", 8), ("14:26", 2)):
        row = re.search(rf">{start}</time>.*?data-minutes=\"(\d+)\"", html, re.DOTALL)
        assert row and int(row.group(1)) == minutes
    assert html.count('data-minutes="') == 6
    assert "14:00–14:30" in html


# --- Notes ---------------------------------------------------------------------------------------


def test_notes_are_saved_and_rendered_sanitized(client, postmortem, author, participant):
    schedule(client, postmortem, author, [author, participant])
    client.force_login(participant)  # an attendee who writes
    notes = "## Decisions\n\n- add an alert\n\n<script>alert(1)</script> [x](javascript:alert(2))"
    response = client.post(url("postmortem_meeting_notes", postmortem), {"notes": notes})
    assert response.status_code == 302
    assert ReviewMeeting.objects.get().notes == notes
    html = client.get(url("postmortem_meeting", postmortem)).content.decode()
    assert "<h2>Decisions</h2>" in html
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_notes_autosave_answers_a_status_line(client, postmortem, author):
    schedule(client, postmortem, author, [author])
    response = client.post(
        url("postmortem_meeting_notes", postmortem),
        {"notes": "draft"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="notes-status"' in response.content.decode()
    assert "Saved at" in response.content.decode()
    assert "<html" not in response.content.decode()
    too_long = "x" * (meetings.MAX_NOTES + 1)
    response = client.post(
        url("postmortem_meeting_notes", postmortem),
        {"notes": too_long},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert ReviewMeeting.objects.get().notes == "draft"


def test_readers_who_are_not_involved_may_not_write_notes(
    client, postmortem, author, viewer, bystander, member_factory
):
    response = schedule(client, postmortem, author, [author], others="viewer")
    assert response.status_code == 302
    for person in (viewer, bystander):  # an attending viewer, an uninvolved engineer
        client.force_login(person)
        response = client.post(url("postmortem_meeting_notes", postmortem), {"notes": "mine"})
        assert response.status_code == 403
        page = client.get(url("postmortem_meeting", postmortem)).content.decode()
        assert 'name="notes"' not in page
    assert ReviewMeeting.objects.get().notes == ""


def test_notes_need_a_meeting(client, postmortem, author):
    client.force_login(author)
    response = client.post(url("postmortem_meeting_notes", postmortem), {"notes": "x"})
    assert response.status_code == 409
    assert client.get(url("postmortem_meeting_ics", postmortem)).status_code == 404


# --- The postmortem page and query counts --------------------------------------------------------


def test_the_postmortem_page_shows_the_meeting(client, org, postmortem, author, participant):
    client.force_login(author)
    html = client.get(url("postmortem_detail", postmortem)).content.decode()
    assert "Not scheduled." in html and url("postmortem_meeting", postmortem) in html
    when = in_three_days(org)
    schedule(client, postmortem, author, [author, participant], when=when)
    html = client.get(url("postmortem_detail", postmortem)).content.decode()
    assert f"{when:%A, %b} {when.day} at 10:00" in html
    assert "2 attendees" in html


def test_the_meeting_page_runs_a_bounded_number_of_queries(
    client, org, templates, author, member_factory, count_queries
):
    def world(size: int) -> Postmortem:
        incident = make_incident(org, commander=author, entries=0, links=0, metrics=0)
        pm = make_postmortem(org, author, incident)
        people = [member_factory(Role.ENGINEER) for _ in range(size)]
        for person in people:
            IncidentParticipant.objects.create(organization=org, incident=incident, user=person)
        with scope(organization=org):
            for person in people[: size // 2]:
                services_people.editor_invite(postmortem=pm, actor=author, user=person)
        schedule(client, pm, author, [author, *people])
        client.post(url("postmortem_meeting_notes", pm), {"notes": "- a\n- b"})
        return pm

    small, large = world(2), world(12)
    client.force_login(author)
    counts = [
        count_queries(lambda pm=pm: client.get(url("postmortem_meeting", pm)))
        for pm in (small, large)
    ]
    assert counts[0] == counts[1]
    assert counts[0] < 40


def test_a_meeting_whose_organizer_left_still_shows_and_downloads(
    client, postmortem, author, member_factory
):
    manager = member_factory(Role.MANAGER, username="mgr", email="")
    schedule(client, postmortem, manager, [author])
    ReviewMeeting.objects.update(organizer=None)
    client.force_login(author)
    assert "a former member" in client.get(url("postmortem_meeting", postmortem)).content.decode()
    _, event, attendees = parse(client.get(url("postmortem_meeting_ics", postmortem)).content)
    assert str(event["organizer"]).startswith("mailto:")
    assert [str(a) for a in attendees] == [f"mailto:{author.email}"]
