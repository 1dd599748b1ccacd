"""A review meeting's .ics invitations: the emails, their times, rescheduling and cancelling."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from postmortems.meetings import tasks as meeting_tasks
from postmortems.models import ReviewMeeting, ReviewMeetingAttendee
from tests.postmortems.meetings.helpers import form_data, in_three_days, parse, schedule, url


def ics_of(message) -> bytes:
    (attachment,) = [a for a in message.attachments if a[0] == "invite.ics"]
    data = attachment[1]
    return data if isinstance(data, bytes) else data.encode()


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
