"""Reminder digests: one per recipient listing every item due, escaped and cut when long, and
the reminder of a draft not submitted in time."""

from datetime import timedelta

from django.core import mail

from actionitems.models import Reminder
from actionitems.reminder_digest import SECTION_LIMIT
from actionitems.reminders import run_reminders
from organizations.models import Notification, NotificationKind
from postmortems.models import Postmortem
from tests.actionitems.helpers import NOW, TODAY, add_item, emails_to, html_of, recorded
from tests.postmortems.review.helpers import submitted

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
