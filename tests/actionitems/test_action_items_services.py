"""Action items through their services and selectors: rights by status and role, partial
updates that keep concurrent changes, validation, due buckets in the organization's time zone,
the SEV1-first order and the summary."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from actionitems import selectors, services
from actionitems.models import ActionItem, ItemStatus
from incidents import services as incident_services
from organizations.models import Membership
from organizations.roles import Role
from postmortems.language.rules import vagueness_hint
from postmortems.review import people, transitions
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import submitted


def add(postmortem, actor, description="Alert when checkout errors exceed 2% for 5 minutes", **f):
    return services.action_item_create(
        postmortem=postmortem, actor=actor, description=description, **f
    )


def membership(user, org):
    return Membership.objects.get(user=user, organization=org)


# --- Creating and rights -------------------------------------------------------------------------


def test_an_editor_adds_an_item_numbered_per_organization_with_its_severity(draft, author):
    first, second = add(draft, author), add(draft, author, owner=author)
    assert (first.number, second.number) == (1, 2)
    assert first.severity_rank == 1  # the draft's incident is a SEV1
    assert second.position == 1


def test_bad_input_is_refused_field_by_field(draft, author, member_factory, other_org):
    outsider = member_factory(Role.ENGINEER, organization=other_org, username="outsider")
    with pytest.raises(ValidationError) as refused:
        add(
            draft,
            author,
            description="  ",
            owner=outsider,
            due_date=date.today() - timedelta(days=3),
            priority="URGENT",
            ticket_url="javascript:alert(1)",
        )
    errors = refused.value.message_dict
    assert set(errors) == {"description", "owner", "due_date", "priority", "ticket_url"}
    assert "member of this organization" in errors["owner"][0]
    assert "in the past" in errors["due_date"][0]
    assert not ActionItem.objects.exists()


def test_readers_and_strangers_to_the_draft_may_not_add(draft, viewer, engineer):
    for actor in (viewer, engineer):
        with pytest.raises(PermissionDenied):
            add(draft, actor)


# --- Updating -----------------------------------------------------------------------------------


def test_two_tabs_changing_different_fields_both_keep_their_change(draft, author, reviewer):
    item = add(draft, author)
    stale_tab_a, stale_tab_b = (
        ActionItem.objects.get(pk=item.pk),
        ActionItem.objects.get(pk=item.pk),
    )
    services.action_item_update(item=stale_tab_a, actor=author, changes={"priority": "HIGH"})
    services.action_item_update(item=stale_tab_b, actor=author, changes={"owner": author})
    item.refresh_from_db()
    assert (item.priority, item.owner) == ("HIGH", author)


def test_completion_time_follows_the_status_and_wont_do_needs_a_reason(draft, author):
    item = add(draft, author)
    item = services.action_item_update(item=item, actor=author, changes={"status": "COMPLETED"})
    assert item.completed_at is not None
    item = services.action_item_update(item=item, actor=author, changes={"status": "OPEN"})
    assert item.completed_at is None
    with pytest.raises(ValidationError) as refused:
        services.action_item_update(item=item, actor=author, changes={"status": "WONT_DO"})
    assert "Say why" in refused.value.message_dict["wont_do_reason"][0]
    item = services.action_item_update(
        item=item,
        actor=author,
        changes={"status": "WONT_DO", "wont_do_reason": "The service is being retired."},
    )
    assert item.status == ItemStatus.WONT_DO


def test_on_a_published_postmortem_the_owner_changes_only_the_status(
    draft, author, reviewer, engineer, member_factory
):
    manager = member_factory(Role.MANAGER, username="mona")
    item = add(draft, author, owner=engineer)
    submitted(draft, author, reviewer)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    services.action_item_update(item=item, actor=engineer, changes={"status": "IN_PROGRESS"})
    with pytest.raises(PermissionDenied):
        services.action_item_update(item=item, actor=engineer, changes={"description": "Other"})
    with pytest.raises(PermissionDenied):
        services.action_item_update(item=item, actor=author, changes={"status": "COMPLETED"})
    services.action_item_update(item=item, actor=manager, changes={"owner": manager})
    item.refresh_from_db()
    assert (item.status, item.owner) == ("IN_PROGRESS", manager)


def test_bulk_changes_are_for_managers_and_change_all_named_items(org, draft, author, engineer):
    manager_user = author  # an engineer: refused
    items = [add(draft, author) for _ in range(3)]
    with pytest.raises(PermissionDenied):
        services.action_items_bulk_update(
            organization=org,
            actor=manager_user,
            numbers=[i.number for i in items],
            changes={"owner": engineer},
        )
    Membership.objects.filter(user=author, organization=org).update(role=Role.MANAGER)
    changed = services.action_items_bulk_update(
        organization=org,
        actor=author,
        numbers=[i.number for i in items[:2]],
        changes={"owner": engineer, "due_date": date.today() + timedelta(days=9)},
    )
    assert changed == 2
    assert ActionItem.objects.filter(owner=engineer).count() == 2


# --- Selectors ---------------------------------------------------------------------------------


def test_due_buckets_use_the_organizations_today(org, draft, author):
    org.time_zone = "Pacific/Auckland"  # UTC+13 in late November
    org.save()
    late_evening_utc = datetime(2026, 11, 29, 11, 30, tzinfo=UTC)  # Nov 30, 00:30 in Auckland
    with mock.patch("django.utils.timezone.now", return_value=late_evening_utc):
        assert selectors.today_in(org) == date(2026, 11, 30)
    item = add(draft, author, due_date=date.today() + timedelta(days=30))
    ActionItem.objects.filter(pk=item.pk).update(due_date=date(2026, 11, 29))
    with mock.patch("django.utils.timezone.now", return_value=late_evening_utc):
        overdue = selectors.tracker_items(
            organization=org, membership=membership(author, org), filters={"due": "overdue"}
        )
        assert [i.number for i in overdue] == [item.number]


def test_the_tracker_sorts_sev1_first_then_by_due_date(org, author, templates):
    sev3 = make_postmortem(org, author, make_incident(org, commander=author, severity="SEV3"))
    sev1 = make_postmortem(org, author, make_incident(org, commander=author, severity="SEV1"))
    soon = date.today() + timedelta(days=2)
    later = date.today() + timedelta(days=20)
    a = add(sev3, author, due_date=soon)
    b = add(sev1, author, due_date=later)
    c = add(sev1, author, due_date=soon)
    rows = selectors.tracker_items(organization=org, membership=membership(author, org))
    assert [r.number for r in rows] == [c.number, b.number, a.number]
    incident_services.incident_update(incident=sev3.incident, actor=author, severity="SEV1")
    rows = selectors.tracker_items(organization=org, membership=membership(author, org))
    assert [r.number for r in rows][:2] == [a.number, c.number]  # both SEV1 and due soon


def test_a_private_postmortems_items_are_invisible_to_others(org, draft, author, engineer):
    add(draft, author)
    people.visibility_set(postmortem=draft, actor=author, visibility="PRIVATE")
    assert not selectors.tracker_items(organization=org, membership=membership(engineer, org))
    assert selectors.tracker_items(organization=org, membership=membership(author, org)).count()


def test_the_summary_counts_what_a_manager_needs(org, draft, author, engineer):
    today = date.today()
    overdue = add(draft, author, owner=engineer, due_date=today)
    ActionItem.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=2))
    add(draft, author, owner=engineer, due_date=today + timedelta(days=3))
    add(draft, author)  # unowned, undated
    done = add(draft, author, owner=engineer, due_date=today + timedelta(days=1))
    services.action_item_update(item=done, actor=author, changes={"status": "COMPLETED"})
    summary = selectors.tracker_summary(items=ActionItem.objects.all(), today=today)
    assert (summary.open, summary.overdue, summary.due_this_week) == (3, 1, 1)
    assert (summary.unowned, summary.undated, summary.completed) == (1, 1, 1)
    assert summary.on_time_percent == 100


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://acme.atlassian.net/browse/PAY-142", "Jira"),
        ("https://jira.acme.io/browse/OPS-9", "Jira"),
        ("https://github.com/acme/payments/issues/88", "GitHub"),
        ("https://linear.app/acme/issue/ENG-12", "Linear"),
        ("https://tracker.example.com/ticket/5", "Ticket"),
        ("", ""),
    ],
)
def test_ticket_urls_are_recognised(url, kind):
    assert selectors.ticket_kind(url) == kind


@pytest.mark.parametrize(
    ("text", "vague"),
    [
        ("Improve monitoring", True),
        ("Add more tests", True),
        ("Be more careful", True),
        ("Alert when checkout 5xx exceed 2% for 5 minutes", False),
        ("Add a CI check that runs migrations against a production-sized copy", False),
    ],
)
def test_vague_wording_gets_a_hint(text, vague):
    assert bool(vagueness_hint(text)) is vague


def test_suggested_due_dates_follow_the_priority():
    today = date(2026, 1, 1)
    assert services.suggested_due_date("CRITICAL", today) == date(2026, 1, 8)
    assert services.suggested_due_date("HIGH", today) == date(2026, 1, 29)
    assert services.suggested_due_date("LOW", today) == date(2026, 4, 2)


def test_viewers_do_not_own_action_items(draft, author, viewer):
    with pytest.raises(ValidationError) as refused:
        add(draft, author, owner=viewer)
    assert "Viewers do not own action items" in refused.value.message_dict["owner"][0]


def test_an_owner_who_may_not_read_the_postmortem_is_refused(draft, author, engineer):
    people.visibility_set(postmortem=draft, actor=author, visibility="PRIVATE")
    with pytest.raises(ValidationError) as refused:
        add(draft, author, owner=engineer)
    assert "may not read this postmortem" in refused.value.message_dict["owner"][0]
    people.editor_invite(postmortem=draft, actor=author, user=engineer)
    assert add(draft, author, owner=engineer).owner == engineer


def test_a_required_action_items_section_is_written_once_it_lists_items(draft, author):
    from postmortems.review.selectors import unfilled_required_sections

    def unfilled_keys():
        return {s.key for s in unfilled_required_sections(draft)}

    assert "actions-immediate" in unfilled_keys()
    add(draft, author, section_key="actions-immediate")
    assert "actions-immediate" not in unfilled_keys()


# --- One due-date rule ---------------------------------------------------------------------------


def test_editing_an_item_refuses_a_past_due_date_like_creating_does(draft, author):
    item = add(draft, author, due_date=date.today() + timedelta(days=7))
    with pytest.raises(ValidationError) as refused:
        services.action_item_update(
            item=item, actor=author, changes={"due_date": date.today() - timedelta(days=30)}
        )
    assert refused.value.message_dict == {"due_date": [services.PAST_DUE_DATE]}
    item.refresh_from_db()
    assert item.due_date == date.today() + timedelta(days=7)


def test_an_overdue_item_keeps_its_date_through_other_edits(draft, author):
    item = add(draft, author, due_date=date.today() + timedelta(days=7))
    overdue = date.today() - timedelta(days=3)
    ActionItem.objects.filter(pk=item.pk).update(due_date=overdue)  # time passed
    item.refresh_from_db()
    services.action_item_update(
        item=item,
        actor=author,
        changes={"description": "Alert on checkout errors over 1%", "due_date": overdue},
    )
    item.refresh_from_db()
    assert item.description == "Alert on checkout errors over 1%" and item.due_date == overdue
