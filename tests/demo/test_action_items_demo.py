"""Demo action items: the acme postmortems' follow-ups as tracked items that tell a story (done
on time and late, overdue, dropped with a reason, unowned, vague), created once."""

from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from actionitems.models import ActionItem, ItemStatus
from actionitems.selectors import (
    ticket_kind,
    tracker_summary,
    visible_items,
)
from demo.action_items import seed_action_items
from demo.incidents import NOT_NULL_MIGRATION
from organizations.models import Membership, Organization
from organizations.selectors import today_in
from postmortems.language.rules import vagueness_hint
from postmortems.models import PostmortemStatus

SNAPSHOT = (
    "number",
    "postmortem__number",
    "section_key",
    "description",
    "owner__username",
    "due_date",
    "priority",
    "status",
    "category",
    "completed_at",
    "ticket_url",
)


def _seed() -> None:
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def acme(org) -> Organization:
    return org


def _items(acme) -> list[ActionItem]:
    return list(
        ActionItem.objects.filter(organization=acme).select_related(
            "owner", "postmortem", "postmortem__incident"
        )
    )


def test_seeding_twice_gives_the_same_items(acme):
    first = list(ActionItem.objects.order_by("number").values_list(*SNAPSHOT))
    _seed()
    assert list(ActionItem.objects.order_by("number").values_list(*SNAPSHOT)) == first
    assert len(first) >= 20


def test_only_acme_gets_demo_items(acme):
    with scopes_disabled():  # every organization's items
        assert set(ActionItem.objects.values_list("organization__slug", flat=True)) == {"acme"}


def test_the_tracker_tells_a_story(acme):
    today = today_in(acme)
    items = _items(acme)
    overdue = [i for i in items if not i.is_closed and i.due_date and i.due_date < today]
    completed = [i for i in items if i.status == ItemStatus.COMPLETED]
    late = [i for i in completed if i.completed_at.date() > i.due_date]
    on_time = [i for i in completed if i.completed_at.date() <= i.due_date]
    dropped = [i for i in items if i.status == ItemStatus.WONT_DO]
    unowned = [i for i in items if i.owner is None and not i.is_closed]
    vague = [i for i in items if vagueness_hint(i.description)]

    assert len(overdue) >= 3
    assert any((today - i.due_date).days > 14 for i in overdue)  # one long enough to escalate
    assert on_time and late
    assert all(i.completed_at.date() <= today for i in completed)
    assert len(dropped) == 1 and dropped[0].wont_do_reason
    assert unowned and vague
    assert "Improve monitoring" in {i.description for i in vague}
    assert any(i.due_date is None for i in items)
    this_week = [
        i for i in items if not i.is_closed and i.due_date and 0 <= (i.due_date - today).days < 7
    ]
    assert this_week
    assert {i.status for i in items} == set(ItemStatus.values)
    assert {i.priority for i in items} == {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
    assert {i.category for i in items} >= {"DETECT", "PREVENT", "MITIGATE", "RESPOND"}
    assert {ticket_kind(i.ticket_url) for i in items} >= {"Jira", "GitHub", "Linear", "Ticket"}
    assert {i.postmortem.incident.severity for i in items} >= {"SEV1", "SEV2", "SEV3"}


def test_the_managers_summary_has_something_in_every_box(acme):
    dave = Membership.objects.get(organization=acme, user__username="dave")
    summary = tracker_summary(
        items=visible_items(organization=acme, membership=dave), today=today_in(acme)
    )
    assert summary.open and summary.in_progress and summary.overdue and summary.due_this_week
    assert summary.unowned and summary.undated
    assert 0 < summary.on_time_percent < 100


def test_the_sev1s_actions_are_owned_dated_specific_and_in_its_sections(acme):
    items = [i for i in _items(acme) if i.postmortem.incident.title == NOT_NULL_MIGRATION.title]
    postmortem = items[0].postmortem
    assert postmortem.status == PostmortemStatus.PUBLISHED
    assert len(items) == 10
    assert {i.section_key for i in items} == {
        "actions-immediate",
        "actions-short-term",
        "actions-long-term",
    }
    for item in items:
        assert item.owner and item.due_date and item.ticket_url, item
        assert item.success_criteria or item.status == ItemStatus.WONT_DO, item
        assert not vagueness_hint(item.description), item
        assert item.severity_rank == 1
        assert item.created_by is not None  # through the services, as an editor
    immediate = [i for i in items if i.section_key == "actions-immediate"]
    assert all(i.priority in ("CRITICAL", "HIGH") for i in immediate)


def test_demo_owners_are_people_who_may_own_items(acme):
    owners = {i.owner for i in _items(acme) if i.owner}
    roles = dict(
        Membership.objects.filter(organization=acme, user__in=owners).values_list(
            "user__username", "role"
        )
    )
    assert set(roles) == {o.username for o in owners}
    assert "VIEWER" not in roles.values()


def test_seeding_late_in_the_evening_in_new_york_works(acme):
    """At 02:30 UTC it is still yesterday in New York: an overdue item is created "due today"
    (the organization's today) before being moved back, and must not be refused as past."""
    ActionItem.objects.all().delete()
    users = {user.username: user for user in get_user_model().objects.all()}
    evening = timezone.now().replace(hour=2, minute=30, second=0, microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=evening):
        assert today_in(acme) < evening.date()
        seed_action_items(organization=acme, users=users)
    assert ActionItem.objects.filter(organization=acme).count() >= 20
