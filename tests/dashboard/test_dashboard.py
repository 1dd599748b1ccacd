"""The organization's dashboard: open incidents, what waits for me, my overdue
action items, the organization's overdue count and recent publications, each for the right
person, never another organization's or an unreadable postmortem's, in bounded queries."""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from actionitems.models import ActionItem, ItemStatus
from incidents.models import Incident
from organizations.roles import Role
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    Review,
    ReviewDecision,
    ReviewMeeting,
    ReviewMeetingAttendee,
    Visibility,
)
from postmortems.permissions import EDIT_PERMISSION

NUMBERS = itertools.count(1)


def incident(org, title, *, severity="SEV2", status="OPEN", hours_ago=3):
    n = next(NUMBERS)
    return Incident.objects.create(
        organization=org,
        year=2026,
        number=n,
        title=title,
        severity=severity,
        status=status,
        started_at=timezone.now() - timedelta(hours=hours_ago),
    )


def postmortem(org, title, author, *, status=PostmortemStatus.DRAFT, **kwargs):
    return Postmortem.objects.create(
        organization=org, number=next(NUMBERS), title=title, status=status, author=author, **kwargs
    )


def item(org, pm, description, owner, *, days=-3, status=ItemStatus.OPEN):
    return ActionItem.objects.create(
        organization=org,
        number=next(NUMBERS),
        postmortem=pm,
        description=description,
        owner=owner,
        due_date=timezone.localdate() + timedelta(days=days),
        status=status,
    )


def dashboard(client, user, slug="acme") -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard", kwargs={"org_slug": slug}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def me(member_factory):
    return member_factory(Role.REVIEWER, username="me", first_name="Mia", last_name="Me")


@pytest.fixture
def colleague(member_factory):
    return member_factory(Role.ENGINEER, username="col")


# --- Open incidents ------------------------------------------------------------------------------


def test_open_incidents_are_listed_most_severe_first(client, org, other_org, me):
    incident(org, "Checkout latency", severity="SEV3")
    incident(org, "Login outage", severity="SEV1", status="ACKNOWLEDGED")
    incident(org, "Old disk alarm", status="RESOLVED")
    incident(other_org, "Globex fire", severity="SEV1")
    html = dashboard(client, me)
    assert "Login outage" in html and "Checkout latency" in html
    assert html.index("Login outage") < html.index("Checkout latency")
    assert "Old disk alarm" not in html
    assert "Globex fire" not in html
    assert 'class="badge sev sev--sev1"' in html
    assert "Acknowledged" in html
    assert "open 3\xa0hours" in html


# --- Waiting for me ------------------------------------------------------------------------------


def test_waiting_for_me_lists_my_drafts_and_my_pending_reviews(
    client, org, other_org, me, colleague
):
    postmortem(org, "My own draft", me)
    invited = postmortem(org, "Draft I edit", colleague)
    assign_perm(EDIT_PERMISSION, me, invited)
    postmortem(org, "Someone else's draft", colleague)
    postmortem(org, "My published piece", me, status=PostmortemStatus.PUBLISHED)
    pending = postmortem(org, "Needs my review", colleague, status="IN_REVIEW", review_round=2)
    Review.objects.create(organization=org, postmortem=pending, reviewer=me, round=2)
    older = postmortem(org, "Reviewed last round", colleague, status="IN_REVIEW", review_round=2)
    Review.objects.create(organization=org, postmortem=older, reviewer=me, round=1)
    done = postmortem(org, "Already approved", colleague, status="IN_REVIEW", review_round=1)
    Review.objects.create(
        organization=org, postmortem=done, reviewer=me, round=1, decision=ReviewDecision.APPROVED
    )
    theirs = postmortem(org, "Another reviewer's", colleague, status="IN_REVIEW", review_round=1)
    Review.objects.create(organization=org, postmortem=theirs, reviewer=colleague, round=1)
    globex_author = other_org.memberships.create(user=me, role=Role.ENGINEER).user
    postmortem(other_org, "Globex draft", globex_author)

    html = dashboard(client, me)
    for title in ("My own draft", "Draft I edit", "Needs my review"):
        assert title in html
    for title in (
        "Someone else&#x27;s draft",
        "My published piece",
        "Reviewed last round",
        "Already approved",
        "Another reviewer&#x27;s",
        "Globex draft",
    ):
        assert title not in html
    assert "To review · 1" in html and "To write · 2" in html
    assert (
        reverse("postmortem_review", kwargs={"org_slug": "acme", "number": pending.number}) in html
    )
    assert "you are an editor" in html and "you are the author" in html


def test_a_viewer_is_never_asked_to_write_or_review(client, org, viewer, colleague):
    pm = postmortem(org, "Viewer's old draft", viewer)
    assign_perm(EDIT_PERMISSION, viewer, pm)
    html = dashboard(client, viewer)
    assert "Viewer&#x27;s old draft" not in html
    assert "Nothing waits for you." in html


def test_my_upcoming_review_meetings_wait_for_me(client, org, me, colleague):
    pm = postmortem(org, "Meeting subject", colleague, status=PostmortemStatus.PUBLISHED)
    meeting = ReviewMeeting.objects.create(
        organization=org, postmortem=pm, starts_at=timezone.now() + timedelta(days=1), uid="u1"
    )
    ReviewMeetingAttendee.objects.create(organization=org, meeting=meeting, user=me)
    past = postmortem(org, "Long past meeting", colleague, status=PostmortemStatus.PUBLISHED)
    old = ReviewMeeting.objects.create(
        organization=org, postmortem=past, starts_at=timezone.now() - timedelta(days=3), uid="u2"
    )
    ReviewMeetingAttendee.objects.create(organization=org, meeting=old, user=me)
    html = dashboard(client, me)
    assert "Review meetings · 1" in html
    assert reverse("postmortem_meeting", kwargs={"org_slug": "acme", "number": pm.number}) in html
    assert (
        reverse("postmortem_meeting", kwargs={"org_slug": "acme", "number": past.number})
        not in html
    )
    assert "Nothing waits" not in dashboard(client, me)
    assert "Review meetings" not in dashboard(client, colleague)


# --- Overdue action items ------------------------------------------------------------------------


def test_my_overdue_items_and_the_organizations_count(client, org, other_org, me, colleague):
    pm = postmortem(org, "Shared learning", colleague, status=PostmortemStatus.PUBLISHED)
    item(org, pm, "Add a saturation alert", me, days=-5)
    item(org, pm, "Rotate the keys", me, days=4)  # not due yet
    item(org, pm, "Finished already", me, days=-9, status=ItemStatus.COMPLETED)
    item(org, pm, "Colleague's late item", colleague, days=-2)
    private = postmortem(org, "Private one", colleague, visibility=Visibility.PRIVATE)
    item(org, private, "Hidden late item", me, days=-1)  # owned, but I cannot read its document
    other_pm = postmortem(other_org, "Globex pm", None)
    item(other_org, other_pm, "Globex late item", None, days=-4)

    html = dashboard(client, me)
    assert "Add a saturation alert" in html
    for text in (
        "Rotate the keys",
        "Finished already",
        "Colleague&#x27;s late item",
        "Hidden late item",
        "Globex late item",
    ):
        assert text not in html
    assert "Organization-wide: 2 overdue" in html  # mine and the colleague's: the readable ones
    tracker = reverse("action_item_tracker", kwargs={"org_slug": "acme"})
    assert f'href="{tracker}?due=overdue&amp;mine=1"' in html
    assert f'href="{tracker}?due=overdue"' not in html  # a reviewer does not run the tracker


def test_managers_follow_the_organizations_overdue_count_to_the_tracker(
    client, org, member_factory, colleague
):
    manager = member_factory(Role.MANAGER, username="boss")
    pm = postmortem(org, "Team learning", colleague, status=PostmortemStatus.PUBLISHED)
    item(org, pm, "Late one", colleague, days=-2)
    item(org, pm, "Late two", None, days=-1)
    html = dashboard(client, manager)
    tracker = reverse("action_item_tracker", kwargs={"org_slug": "acme"})
    assert f'<a href="{tracker}?due=overdue">2 overdue</a>' in html
    assert "You are on time." in html


# --- Recent publications -------------------------------------------------------------------------


def test_recent_publications_are_those_i_may_read(client, org, other_org, me, colleague):
    now = timezone.now()
    postmortem(
        org, "Older lesson", colleague, status="PUBLISHED", published_at=now - timedelta(days=9)
    )
    postmortem(org, "Fresh lesson", colleague, status="PUBLISHED", published_at=now)
    postmortem(
        org,
        "Private lesson",
        colleague,
        status="PUBLISHED",
        published_at=now,
        visibility=Visibility.PRIVATE,
    )
    postmortem(org, "Still a draft", colleague)
    postmortem(other_org, "Globex lesson", None, status="PUBLISHED", published_at=now)
    html = dashboard(client, me)
    assert html.index("Fresh lesson") < html.index("Older lesson")
    for title in ("Private lesson", "Still a draft", "Globex lesson"):
        assert title not in html
    admin = org.memberships.create(
        user=type(me).objects.create(username="root-admin"), role=Role.ADMIN
    ).user
    assert "Private lesson" in dashboard(client, admin)  # admins read everything


# --- Empty states and queries --------------------------------------------------------------------


def test_an_empty_organization_shows_helpful_empty_states(client, admin_user):
    html = dashboard(client, admin_user)
    assert "No open incidents." in html
    assert "declare an incident" in html
    assert "Nothing waits for you." in html
    assert "You are on time." in html
    assert "Nothing published yet." in html
    assert "Acme Corporation" in html and "Europe/Paris" in html


def test_the_dashboard_runs_a_bounded_number_of_queries(client, org, me, colleague, count_queries):
    def grow(size: int) -> None:
        for i in range(size):
            incident(org, f"Incident {i}", severity=f"SEV{1 + i % 4}")
            draft = postmortem(org, f"Draft {i}", me)
            invited = postmortem(org, f"Invited {i}", colleague)
            assign_perm(EDIT_PERMISSION, me, invited)
            review = postmortem(org, f"Review {i}", colleague, status="IN_REVIEW", review_round=1)
            Review.objects.create(organization=org, postmortem=review, reviewer=me, round=1)
            published = postmortem(
                org, f"Published {i}", colleague, status="PUBLISHED", published_at=timezone.now()
            )
            item(org, published, f"Late {i}", me)
            item(org, draft, f"Late draft item {i}", colleague)
            meeting = ReviewMeeting.objects.create(
                organization=org,
                postmortem=published,
                starts_at=timezone.now() + timedelta(days=1),
                uid=f"uid-{size}-{i}",
            )
            ReviewMeetingAttendee.objects.create(organization=org, meeting=meeting, user=me)

    url = reverse("dashboard", kwargs={"org_slug": "acme"})
    client.force_login(me)
    grow(1)
    small = count_queries(lambda: client.get(url))
    grow(8)  # past every panel's length: each panel counts its rows now
    medium = count_queries(lambda: client.get(url))
    grow(20)
    large = count_queries(lambda: client.get(url))
    assert small <= medium == large
    assert large < 30
    html = client.get(url).content.decode()
    assert "more drafts" in html and "more in review" in html and "more open" in html


def test_admins_see_the_organizations_figures(client, org, admin_user, engineer, member_factory):
    member_factory(Role.ADMIN, username="second-admin")
    html = dashboard(client, admin_user)
    assert "<dt>Members</dt><dd>3</dd>" in html and "<dt>Admins</dt><dd>2</dd>" in html
    assert "<dt>Teams</dt><dd>0</dd>" in html
    assert "<dt>Members</dt>" not in dashboard(client, engineer)


def test_a_repeat_view_is_served_from_the_cache_until_something_it_shows_changes(
    client, org, me, colleague, count_queries
):
    url = reverse("dashboard", kwargs={"org_slug": "acme"})
    client.force_login(me)
    incident(org, "Checkout latency")
    first = count_queries(lambda: client.get(url))
    assert count_queries(lambda: client.get(url)) < first  # the panels come from the cache
    incident(org, "Queue stall", severity="SEV1")
    assert "Queue stall" in client.get(url).content.decode()  # a new incident shows at once
    draft = postmortem(org, "Invited draft", colleague)
    assign_perm(EDIT_PERMISSION, me, draft)
    assert "Invited draft" in client.get(url).content.decode()
    Incident.objects.filter(title="Queue stall").update(
        status="RESOLVED", updated_at=timezone.now()
    )
    assert "Queue stall" not in client.get(url).content.decode()
