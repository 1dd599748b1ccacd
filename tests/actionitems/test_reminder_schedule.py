"""Reminders: what is due when (cadence, escalation, rescheduling, time zone) and who may be
told of it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django_scopes import scope
from guardian.shortcuts import assign_perm

from actionitems import reminder_rules, reminders
from actionitems.models import ActionItem, ItemStatus, Reminder, ReminderKind
from actionitems.reminders import run_reminders
from organizations.models import (
    Notification,
    NotificationKind,
    NotificationSetting,
    PostmortemPolicy,
)
from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemTeam, Visibility
from postmortems.permissions import visible_q
from tests.actionitems.helpers import NOW, TODAY, add_item, at, emails_to, recorded
from tests.factories import TeamFactory, TeamMemberFactory
from tests.postmortems.editor.helpers import make_postmortem


@pytest.fixture
def manager(second_reviewer):
    """Overrides the tracker's ``manager`` of conftest.py: escalations go to max."""
    return second_reviewer  # max, a manager


# --- What is due -----------------------------------------------------------------------------


def test_nothing_for_completed_wont_do_undated_or_far_off_items(pm, bob):
    add_item(pm, bob, TODAY - timedelta(days=3), status=ItemStatus.COMPLETED)
    add_item(
        pm, bob, TODAY, status=ItemStatus.WONT_DO, wont_do_reason="The service is being retired."
    )
    add_item(pm, bob, None)
    add_item(pm, bob, TODAY + timedelta(days=4))
    report = run_reminders(pm.organization, now=NOW)
    assert (report.recipients, report.digests, mail.outbox) == (0, 0, [])
    assert not Reminder.objects.exists()


def test_an_item_in_progress_is_reminded_and_completing_it_stops_the_reminders(pm, bob):
    item = add_item(pm, bob, TODAY - timedelta(days=1), status=ItemStatus.IN_PROGRESS)
    run_reminders(pm.organization, now=NOW)
    assert len(emails_to(bob)) == 1
    ActionItem.objects.filter(pk=item.pk).update(status=ItemStatus.COMPLETED)
    run_reminders(pm.organization, now=at(7))  # the next overdue repeat would be due
    assert len(emails_to(bob)) == 1


def test_overdue_repeats_at_the_policy_cadence_and_escalates_after_n_days(
    pm, bob, manager, admin_user, engineer
):
    PostmortemPolicy.objects.update_or_create(
        organization=pm.organization,
        defaults={
            "severities": ["SEV1", "SEV2"],
            "remind_days_before_due": 1,
            "overdue_repeat_days": 2,
            "escalate_after_days": 3,
            "draft_target_days": 0,  # 0 turns a reminder off
        },
    )
    item = add_item(pm, bob, TODAY + timedelta(days=2))
    heard: dict[int, list[tuple[str, str, str]]] = {}
    for day in range(0, 8):
        before = set(Reminder.objects.values_list("pk", flat=True))
        run_reminders(pm.organization, now=at(day))
        heard[day - 2] = sorted(  # keyed by days past the due date
            Reminder.objects.exclude(pk__in=before).values_list(
                "kind", "period", "recipient__username"
            )
        )
    assert heard == {
        -2: [],  # two days ahead: outside the 1-day window
        -1: [("DUE_SOON", "2027-03-11", "bob")],
        0: [("DUE_TODAY", "2027-03-11", "bob")],
        1: [("OVERDUE", "2027-03-11/1", "bob")],
        2: [],
        3: [
            ("ESCALATION", "2027-03-11", "admin-user"),
            ("ESCALATION", "2027-03-11", "ann"),
            ("ESCALATION", "2027-03-11", "max"),
            ("OVERDUE", "2027-03-11/2", "bob"),
        ],
        4: [],
        5: [("OVERDUE", "2027-03-11/3", "bob")],
    }
    [to_ann] = emails_to(pm.author)
    assert "ESCALATED TO YOU" in to_ann.body and f"AI-{item.number}" in to_ann.body
    assert "3 days overdue" in to_ann.body and "owner Bob Byrne" in to_ann.body
    assert emails_to(engineer) == []  # an engineer who neither owns nor wrote it


def test_the_default_cadence_three_days_before_weekly_overdue_escalation_at_fourteen(pm, bob):
    add_item(pm, bob, TODAY + timedelta(days=3))
    kinds = {}
    for day in (0, 3, 4, 10, 11, 17, 18):
        mail.outbox.clear()
        run_reminders(pm.organization, now=at(day))
        kinds[day - 3] = sorted({m.to[0] for m in mail.outbox})
    assert kinds == {
        -3: ["bob@example.com"],  # due soon
        0: ["bob@example.com"],  # due today
        1: ["bob@example.com"],  # overdue, repeat 1
        7: [],  # still repeat 1
        8: ["bob@example.com"],  # repeat 2
        14: ["ann@example.com"],  # escalated to the author (still repeat 2 for bob)
        15: ["bob@example.com"],  # repeat 3
    }


def test_rescheduling_starts_the_reminders_afresh(pm, bob):
    item = add_item(pm, bob, TODAY + timedelta(days=1))
    run_reminders(pm.organization, now=NOW)
    ActionItem.objects.filter(pk=item.pk).update(due_date=TODAY + timedelta(days=3))
    run_reminders(pm.organization, now=at(1))
    assert recorded(recipient=bob) == [
        (item.number, "DUE_SOON", "2027-03-10", "bob"),
        (item.number, "DUE_SOON", "2027-03-12", "bob"),
    ]
    assert len(emails_to(bob)) == 2


def test_unowned_items_go_to_the_managers_escalation_digest(pm, manager, bob):
    unowned = add_item(pm, None, TODAY + timedelta(days=2), "Nobody took this one")
    run_reminders(pm.organization, now=NOW)
    [message] = mail.outbox
    assert message.to == ["max@example.com"]
    assert "Nobody took this one" in message.body and "no owner" in message.body
    assert recorded() == [(unowned.number, "ESCALATION", "unowned/2027-03-11", "max")]
    assert Notification.objects.get(recipient=manager).url == "/o/acme/action-items/?due=overdue"


def test_a_manager_is_not_told_of_a_private_postmortem_they_cannot_read(pm, bob, manager):
    Postmortem.objects.filter(pk=pm.pk).update(visibility=Visibility.PRIVATE)
    add_item(pm, bob, TODAY - timedelta(days=20))
    run_reminders(pm.organization, now=NOW)
    assert emails_to(manager) == []
    assert len(emails_to(pm.author)) == 1  # the author may read it
    # bob cannot read the private postmortem either (the tracker hides it from him too)
    assert emails_to(bob) == []


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # 11:30 UTC on 10 January is 11:30 on the 10th in UTC …
        ("UTC", {"due-10th": "DUE_TODAY", "due-11th": "DUE_SOON"}),
        # … and 00:30 on the 11th in Auckland (UTC+13 in summer)
        ("Pacific/Auckland", {"due-10th": "OVERDUE", "due-11th": "DUE_TODAY"}),
    ],
)
def test_the_organizations_time_zone_decides_what_due_today_means(pm, bob, zone, expected):
    organization = pm.organization
    organization.time_zone = zone
    organization.save()
    add_item(pm, bob, date(2027, 1, 10), "due-10th")
    add_item(pm, bob, date(2027, 1, 11), "due-11th")

    run_reminders(organization, now=datetime(2027, 1, 10, 11, 30, tzinfo=UTC))

    kinds = dict(Reminder.objects.values_list("action_item__description", "kind"))
    assert kinds == expected
    assert len(emails_to(bob)) == 1


def test_who_is_reminded_follows_who_may_read_the_postmortem(
    org, templates, author, bob, cat, admin_user, member_factory
):
    """``recipients_due`` picks owners with one query that restates ``visible_q`` row by row;
    both must agree for every way of being allowed to read (or not)."""
    editor = member_factory(Role.ENGINEER, username="ed")
    team = TeamFactory(organization=org)
    TeamMemberFactory(team=team, user=cat)
    postmortems = {}
    for visibility in Visibility.values:
        postmortem = make_postmortem(org, author)
        Postmortem.objects.filter(pk=postmortem.pk).update(visibility=visibility)
        PostmortemTeam.objects.create(organization=org, postmortem=postmortem, team=team)
        postmortems[visibility] = postmortem
    assign_perm("change_postmortem", editor, postmortems[Visibility.PRIVATE])
    owners = [author, bob, cat, editor, admin_user]
    items = [add_item(pm, owner, TODAY) for pm in postmortems.values() for owner in owners]

    row_wise = set(
        ActionItem.objects.filter(pk__in=[i.pk for i in items])
        .filter(reminder_rules.owner_may_read_q())
        .values_list("pk", flat=True)
    )
    with scope(organization=org):
        canonical = {
            item.pk
            for item in items
            if Postmortem.objects.filter(pk=item.postmortem_id)
            .filter(visible_q(item.owner.memberships.get(organization=org)))
            .exists()
        }
        due_to = reminders.recipients_due(organization=org, now=NOW)
    assert row_wise == canonical
    assert len(canonical) == 11  # 5 + author, cat (team), ed, admin on TEAM … and PRIVATE:
    # author, ed (invited editor) and the admin; bob reads only the ORGANIZATION one
    assert due_to == sorted(o.pk for o in owners)

    run_reminders(org, now=NOW)
    told = Reminder.objects.filter(kind=ReminderKind.DUE_TODAY)
    assert set(told.values_list("action_item_id", flat=True)) == canonical
    assert all(r.recipient_id == r.action_item.owner_id for r in told)


# --- Who receives ------------------------------------------------------------------------------


def test_a_member_who_turned_reminder_emails_off_still_sees_them_in_the_app(pm, bob):
    NotificationSetting.objects.create(
        organization=pm.organization, user=bob, kind=NotificationKind.REMINDER, email=False
    )
    add_item(pm, bob, TODAY)
    report = run_reminders(pm.organization, now=NOW)
    assert (report.digests, report.emails, mail.outbox) == (1, 0, [])
    assert Notification.objects.filter(recipient=bob, kind=NotificationKind.REMINDER).count() == 1
    run_reminders(pm.organization, now=NOW)
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_nobody_outside_the_organization_is_reminded(pm, bob, other_org):
    add_item(pm, bob, TODAY)
    bob.memberships.all().delete()  # bob left acme; his item stays behind
    report = run_reminders(pm.organization, now=NOW)
    assert (report.recipients, mail.outbox) == (0, [])
    assert run_reminders(other_org, now=NOW).recipients == 0
