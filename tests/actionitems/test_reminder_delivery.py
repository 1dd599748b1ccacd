"""Reminder runs: never the same reminder twice (reruns, failures, a dying worker), a bounded
number of queries, the Celery fan-out and retries, and the run_reminders command."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from actionitems import reminders, tasks
from actionitems.models import ActionItem, Reminder
from actionitems.reminders import run_reminders
from organizations.models import Notification, NotificationKind
from organizations.roles import Role
from tests.actionitems.helpers import NOW, TODAY, add_item, emails_to, recorded


@pytest.fixture
def manager(second_reviewer):
    """Overrides the tracker's ``manager`` of conftest.py: escalations go to max."""
    return second_reviewer  # max, a manager


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
