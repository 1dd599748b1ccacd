"""Reminders: one digest per recipient per run, never the same reminder twice."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scope
from guardian.shortcuts import assign_perm

from actionitems import reminder_rules, reminders, tasks
from actionitems.models import ActionItem, ItemStatus, Reminder, ReminderKind
from actionitems.reminder_digest import SECTION_LIMIT
from actionitems.reminders import run_reminders
from actionitems.services import action_item_create
from organizations.models import (
    Notification,
    NotificationKind,
    NotificationSetting,
    PostmortemPolicy,
)
from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemTeam, Visibility
from postmortems.permissions import visible_q
from tests.factories import TeamFactory, TeamMemberFactory
from tests.postmortems.editor.helpers import make_postmortem
from tests.postmortems.review.helpers import submitted

NOW = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)  # a Tuesday; Europe/Paris (the org) says 10:00
TODAY = date(2027, 3, 9)


def at(days: int, hour: int = 9) -> datetime:
    """``days`` after NOW, at ``hour`` UTC."""
    return (NOW + timedelta(days=days)).replace(hour=hour)


@pytest.fixture
def pm(draft, author, reviewer):
    """Ann's postmortem, in review (so no draft reminder joins the items' digests)."""
    return submitted(draft, author, reviewer)


@pytest.fixture
def bob(member_factory):
    return member_factory(Role.ENGINEER, username="bob", first_name="Bob", last_name="Byrne")


@pytest.fixture
def cat(member_factory):
    return member_factory(Role.ENGINEER, username="cat", first_name="Cat", last_name="Cole")


@pytest.fixture
def manager(second_reviewer):
    return second_reviewer  # max, a manager


def add_item(postmortem, owner, due, description="Page on p99 latency over 800 ms", **fields):
    item = action_item_create(
        postmortem=postmortem,
        actor=postmortem.author,
        description=description,
        owner=owner,
        **fields,
    )
    ActionItem.objects.filter(pk=item.pk).update(due_date=due)  # the service refuses past dates
    item.refresh_from_db()
    return item


def emails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def recorded(**filters) -> list[tuple]:
    return sorted(
        Reminder.objects.filter(**filters).values_list(
            "action_item__number", "kind", "period", "recipient__username"
        )
    )


# --- One digest per recipient ----------------------------------------------------------------


def test_one_digest_lists_every_item_an_owner_should_hear_of(pm, bob, cat):
    soon = add_item(pm, bob, TODAY + timedelta(days=2), "Add a canary stage to checkout deploys")
    today = add_item(pm, bob, TODAY, "Cap the payments pool at 80 connections")
    late = add_item(pm, bob, TODAY - timedelta(days=3), "Write the failover runbook")
    add_item(pm, bob, TODAY + timedelta(days=20), "Later: not yet")
    add_item(pm, cat, TODAY + timedelta(days=1), "Cat's item")

    report = run_reminders(pm.organization, now=NOW)

    assert (report.recipients, report.digests, report.emails, report.reminders) == (2, 2, 2, 4)
    [message] = emails_to(bob)
    assert message.subject == "[Acme Corporation] Reminder: 1 overdue, 1 due today, 1 due soon"
    text = message.body
    for item in (soon, today, late):
        assert f"AI-{item.number}" in text and item.description in text
    assert "Later: not yet" not in text and "Cat's item" not in text
    # sections in order of urgency, with when each is due
    assert text.index("OVERDUE") < text.index("DUE TODAY") < text.index("DUE SOON")
    assert "3 days overdue" in text and "Due in 2 days" in text
    assert f"http://127.0.0.1:8000/o/acme/postmortems/{pm.number}/" in text
    assert "http://127.0.0.1:8000/o/acme/action-items/?mine=1" in text
    html = html_of(message)
    assert late.description in html
    assert f'href="http://127.0.0.1:8000/o/acme/postmortems/{pm.number}/"' in html
    assert 'href="http://127.0.0.1:8000/o/acme/action-items/?mine=1"' in html

    [bell] = Notification.objects.filter(recipient=bob)
    assert bell.kind == NotificationKind.REMINDER
    assert bell.title == "Reminder: 1 overdue, 1 due today, 1 due soon"
    assert bell.url == "/o/acme/action-items/?mine=1"
    assert bell.body == (
        f"Most urgent: AI-{late.number} Write the failover runbook — 3 days overdue (Sat 6 Mar). "
        "And 2 more in this reminder."
    )
    assert bell.emailed_at is not None  # the generic notification email never sends it again
    assert recorded(recipient=bob) == sorted(
        [
            (soon.number, "DUE_SOON", "2027-03-11", "bob"),
            (today.number, "DUE_TODAY", "2027-03-09", "bob"),
            (late.number, "OVERDUE", "2027-03-06/1", "bob"),
        ]
    )
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_the_html_part_escapes_what_people_typed(pm, bob):
    add_item(pm, bob, TODAY, 'Stop <script>alert("x")</script> in the <b>status page</b>')
    run_reminders(pm.organization, now=NOW)
    [message] = emails_to(bob)
    html = html_of(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<script>alert("x")</script>' in message.body  # plain text stays as typed


def test_a_long_list_is_cut_with_a_link_to_the_tracker(pm, bob):
    for _ in range(SECTION_LIMIT + 3):
        add_item(pm, bob, TODAY - timedelta(days=2))
    run_reminders(pm.organization, now=NOW)
    [message] = emails_to(bob)
    assert message.body.count("2 days overdue") == SECTION_LIMIT
    assert "… and 3 more: http://127.0.0.1:8000/o/acme/action-items/?mine=1&due=overdue" in (
        message.body
    )
    assert Reminder.objects.filter(recipient=bob).count() == SECTION_LIMIT + 3


# --- Never twice -----------------------------------------------------------------------------


def test_running_twice_sends_one_email_per_recipient_and_records_each_reminder_once(
    pm, bob, cat, manager
):
    add_item(pm, bob, TODAY)
    add_item(pm, cat, TODAY - timedelta(days=20))  # overdue and escalated to ann and max

    first = run_reminders(pm.organization, now=NOW)
    rows = recorded()
    again = run_reminders(pm.organization, now=NOW)  # beat fires twice
    later = run_reminders(pm.organization, now=NOW + timedelta(hours=1))  # the next hourly run

    assert first.emails == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.com",
        "bob@example.com",
        "cat@example.com",
        "max@example.com",
    ]
    assert (again.digests, again.reminders, later.digests) == (0, 0, 0)
    assert recorded() == rows
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 4


def test_a_run_that_fails_half_way_sends_the_rest_once_on_the_next_run(
    pm, member_factory, monkeypatch
):
    owners = [member_factory(Role.ENGINEER, username=f"owner{n}") for n in range(4)]
    for owner in owners:
        add_item(pm, owner, TODAY)
    failing = {"owner2@example.com", "owner3@example.com"}
    real_send = reminders.send_digest_email

    def mail_server_down_for_some(message):
        if message.to[0] in failing:
            raise ConnectionError("SMTP connection lost")
        real_send(message)

    monkeypatch.setattr(reminders, "send_digest_email", mail_server_down_for_some)
    first = run_reminders(pm.organization, now=NOW)

    assert sorted(m.to[0] for m in mail.outbox) == ["owner0@example.com", "owner1@example.com"]
    assert sorted(first.failed) == sorted(o.pk for o in owners[2:])
    # what failed was released: only the served recipients' reminders are recorded
    assert recorded() == sorted(
        (i.number, "DUE_TODAY", "2027-03-09", i.owner.username)
        for i in ActionItem.objects.filter(owner__in=owners[:2])
    )
    assert not Notification.objects.filter(recipient__in=owners[2:]).exists()

    monkeypatch.setattr(reminders, "send_digest_email", real_send)
    second = run_reminders(pm.organization, now=NOW + timedelta(minutes=5))
    third = run_reminders(pm.organization, now=NOW + timedelta(minutes=10))

    assert (second.emails, second.failed, third.emails) == (2, [], 0)
    assert sorted(m.to[0] for m in mail.outbox) == [f"owner{n}@example.com" for n in range(4)]
    assert Reminder.objects.count() == 4


class WorkerKilled(BaseException):
    """Stands for the process dying: no ``except Exception`` runs."""


def test_a_worker_dying_between_recording_and_sending_loses_that_digest_never_doubles_it(
    pm, bob, monkeypatch
):
    add_item(pm, bob, TODAY)

    def killed(message):
        raise WorkerKilled

    monkeypatch.setattr(reminders, "send_digest_email", killed)
    with pytest.raises(WorkerKilled):
        run_reminders(pm.organization, now=NOW)
    monkeypatch.undo()
    report = run_reminders(pm.organization, now=NOW + timedelta(minutes=5))

    assert mail.outbox == [] and report.digests == 0  # at most once: recorded, never resent
    [row] = Reminder.objects.all()
    assert row.sent_at is None  # recorded, never confirmed sent


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


# --- Drafts ------------------------------------------------------------------------------------


def test_a_draft_not_submitted_in_time_reminds_its_author_once_per_target_period(draft, author):
    created = NOW - timedelta(days=6)
    Postmortem.objects.filter(pk=draft.pk).update(created_at=created)

    run_reminders(draft.organization, now=created + timedelta(days=4))  # within the 5 days
    assert mail.outbox == []
    run_reminders(draft.organization, now=NOW)
    run_reminders(draft.organization, now=NOW + timedelta(days=1))
    assert len(mail.outbox) == 1
    run_reminders(draft.organization, now=created + timedelta(days=10))  # twice the target

    assert [m.to for m in mail.outbox] == [["ann@example.com"], ["ann@example.com"]]
    message = mail.outbox[0]
    assert message.subject == "[Acme Corporation] Reminder: 1 draft to submit"
    assert draft.title in message.body and "A draft for 6 days" in message.body
    link = f"http://127.0.0.1:8000/o/acme/postmortems/{draft.number}/"
    assert link in message.body and link in html_of(message)
    assert sorted(
        Reminder.objects.values_list("postmortem__number", "kind", "period", "recipient__username")
    ) == [
        (draft.number, "DRAFT_STALE", "1", "ann"),
        (draft.number, "DRAFT_STALE", "2", "ann"),
    ]
    assert Notification.objects.filter(recipient=author).first().url == (
        f"/o/acme/postmortems/{draft.number}/"
    )


def test_a_submitted_postmortem_is_never_a_stale_draft(draft, author, reviewer):
    submitted(draft, author, reviewer)
    Postmortem.objects.filter(pk=draft.pk).update(created_at=NOW - timedelta(days=30))
    report = run_reminders(draft.organization, now=NOW)
    assert (report.digests, mail.outbox) == (0, [])


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


# --- Cost ----------------------------------------------------------------------------------------


def test_a_run_costs_the_same_queries_for_three_items_or_thirty(
    pm, bob, cat, manager, count_queries
):
    def seed(n):
        for i in range(n):
            add_item(pm, bob, TODAY - timedelta(days=i % 20))
            add_item(pm, cat, TODAY + timedelta(days=i % 3))
            add_item(pm, None, TODAY + timedelta(days=1))

    seed(1)
    small = count_queries(lambda: run_reminders(pm.organization, now=NOW))
    Reminder.objects.all().delete()
    Notification.objects.all().delete()
    seed(10)
    large = count_queries(lambda: run_reminders(pm.organization, now=NOW))
    assert small == large
    assert large <= 60  # 4 recipients (bob, cat, ann escalated, max)


# --- Celery ------------------------------------------------------------------------------------


def test_beat_fans_out_per_organization_and_per_chunk_of_recipients(
    pm, member_factory, other_org, monkeypatch
):
    owners = [member_factory(Role.ENGINEER, username=f"owner{n}") for n in range(5)]
    for owner in owners:
        add_item(pm, owner, TODAY)
    monkeypatch.setattr(tasks, "RECIPIENTS_PER_TASK", 2)
    organizations, chunks = [], []
    real_org_delay = tasks.remind_organization.delay
    real_chunk_delay = tasks.send_reminder_digests.delay
    monkeypatch.setattr(
        tasks.remind_organization,
        "delay",
        lambda org_id, now: (organizations.append(org_id), real_org_delay(org_id, now))[1],
    )
    monkeypatch.setattr(
        tasks.send_reminder_digests,
        "delay",
        lambda org_id, ids, now: (chunks.append(ids), real_chunk_delay(org_id, ids, now))[1],
    )

    assert tasks.send_reminders.delay(NOW.isoformat()).get() == 2  # runs eagerly in tests
    tasks.send_reminders.delay(NOW.isoformat())  # beat fires twice

    assert organizations == sorted([pm.organization_id, other_org.pk]) * 2
    assert chunks[:3] == [
        [owners[0].pk, owners[1].pk],
        [owners[2].pk, owners[3].pk],
        [owners[4].pk],
    ]
    assert chunks[3:] == []  # the second beat found nothing new to send
    assert sorted(m.to[0] for m in mail.outbox) == [f"owner{n}@example.com" for n in range(5)]


def test_a_chunk_whose_mail_failed_is_retried_and_sends_each_digest_once(pm, bob, cat, monkeypatch):
    add_item(pm, bob, TODAY)
    add_item(pm, cat, TODAY)
    real_send = reminders.send_digest_email
    failures = []

    def flaky_for_cat(message):
        if message.to == ["cat@example.com"] and not failures:
            failures.append(message)
            raise ConnectionError("SMTP timeout")
        real_send(message)

    monkeypatch.setattr(reminders, "send_digest_email", flaky_for_cat)
    # apply() without propagating runs Celery's retry in process, as a worker would later
    result = tasks.send_reminder_digests.apply(
        args=[pm.organization_id, [bob.pk, cat.pk], NOW.isoformat()], throw=False
    )

    assert result.get() == 1  # the retry sent cat's digest; bob's was not sent again
    assert len(failures) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.com", "cat@example.com"]
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2


# --- The run_reminders command ----------------------------------------------------------------


def test_run_reminders_command_sends_what_is_due_once_and_says_so(pm, bob, other_org):
    add_item(pm, bob, date.today() - timedelta(days=1))
    out = StringIO()
    call_command("run_reminders", "--organization", pm.organization.slug, stdout=out)
    assert f"{pm.organization.slug}: 1 digest to 1 member" in out.getvalue()
    assert len(emails_to(bob)) == 1

    again = StringIO()
    call_command("run_reminders", stdout=again)  # every organization; nothing new to send
    assert f"{pm.organization.slug}: 0 digests to 0 members" in again.getvalue()
    assert f"{other_org.slug}: 0 digests" in again.getvalue()
    assert len(emails_to(bob)) == 1

    with pytest.raises(CommandError, match="No organization with the slug 'nope'"):
        call_command("run_reminders", "--organization", "nope")
