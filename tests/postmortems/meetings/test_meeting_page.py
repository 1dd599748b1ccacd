"""The review meeting page: the agenda's time boxes, the notes and the postmortem page's summary."""

import re
import zoneinfo
from datetime import datetime

import pytest
from django_scopes import scope

from incidents.models import IncidentParticipant
from organizations.roles import Role
from postmortems.meetings import services as meetings
from postmortems.meetings.selectors import agenda_for, agenda_minutes
from postmortems.models import Postmortem, ReviewMeeting
from postmortems.review import people as services_people
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.meetings.helpers import in_three_days, parse, schedule, url

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
