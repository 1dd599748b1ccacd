"""Scheduling a review meeting: the suggested attendees, who may schedule it and what is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from incidents.models import IncidentParticipant
from organizations.roles import Role
from postmortems.meetings import services as meetings
from postmortems.meetings.selectors import suggested_attendees
from postmortems.models import Postmortem, PostmortemStatus, ReviewMeeting, Visibility
from tests.postmortems.meetings.helpers import form_data, in_three_days, schedule, url

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
