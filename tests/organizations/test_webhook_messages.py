"""The chat messages Hindsight queues when a postmortem is published and when action items
fall overdue."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django_scopes import scope

from actionitems import reminders
from actionitems.models import ActionItem
from actionitems.reminders import RunReport, run_reminders
from actionitems.services import action_item_create
from organizations.models import WebhookDelivery
from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemStatus, Visibility
from postmortems.review import transitions
from tests.postmortems.review.helpers import submitted

NOW = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)
TODAY = date(2027, 3, 9)


# --- Postmortem published ----------------------------------------------------------------------


def publish(draft, author, reviewer) -> Postmortem:
    pm = submitted(draft, author, reviewer)
    return transitions.postmortem_approve(postmortem=pm, actor=reviewer)


def test_publishing_queues_exactly_one_message(
    org, draft, author, reviewer, django_capture_on_commit_callbacks
):
    org.webhook_url = "https://hooks.slack.com/services/T1/B1/xyz"
    org.save()
    draft.organization.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        pm = publish(draft, author, reviewer)
        assert pm.status == PostmortemStatus.PUBLISHED
        with pytest.raises(transitions.TransitionError):  # a second click changes nothing
            transitions.postmortem_approve(postmortem=pm, actor=reviewer)
    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "postmortem.published"
    assert delivery.url == org.webhook_url
    link = f"http://127.0.0.1:8000/o/acme/postmortems/{pm.number}/"
    text = delivery.payload["text"]
    assert text.startswith(f"Postmortem published: <{link}|PM-{pm.number} {pm.title}>")
    assert pm.incident.ref in text and "SEV1" in text and "Ann Author" in text


def test_a_restricted_postmortem_is_announced_without_its_title(org, draft, author, reviewer):
    org.webhook_url = "https://hooks.slack.com/services/T1/B1/xyz"
    org.save()
    Postmortem.objects.filter(pk=draft.pk).update(visibility=Visibility.PRIVATE, title="Secret")
    draft.refresh_from_db()
    pm = publish(draft, author, reviewer)
    [delivery] = WebhookDelivery.objects.all()
    assert f"|PM-{pm.number}>" in delivery.payload["text"]
    assert "Secret" not in delivery.payload["text"] and "restricted" in delivery.payload["text"]


def test_publishing_without_a_webhook_queues_nothing(org, draft, author, reviewer):
    assert publish(draft, author, reviewer).status == PostmortemStatus.PUBLISHED
    assert not WebhookDelivery.objects.exists()


def test_a_published_message_reaches_the_server_end_to_end(
    hooked_org, hook, draft, author, reviewer, django_capture_on_commit_callbacks
):
    draft.organization.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        pm = publish(draft, author, reviewer)
    [body] = hook.bodies
    assert body["text"].startswith("Postmortem published: <http://")
    assert f"|PM-{pm.number} {pm.title}>" in body["text"]
    assert WebhookDelivery.objects.get().status == "SENT"


# --- Action items overdue ------------------------------------------------------------------------


@pytest.fixture
def pm(draft, author, reviewer):
    return submitted(draft, author, reviewer)


def add_item(postmortem, owner, due, description):
    item = action_item_create(
        postmortem=postmortem, actor=postmortem.author, description=description, owner=owner
    )
    ActionItem.objects.filter(pk=item.pk).update(due_date=due)
    item.refresh_from_db()
    return item


@pytest.fixture
def owners(member_factory):
    return (
        member_factory(Role.ENGINEER, username="bob", first_name="Bob", last_name="Byrne"),
        member_factory(Role.ENGINEER, username="cat", first_name="Cat", last_name="Cole"),
    )


def test_a_reminder_run_queues_one_digest_of_the_items_that_became_overdue(pm, owners, org):
    org.webhook_url = "https://hooks.slack.com/services/T1/B1/xyz"
    org.save()
    bob, cat = owners
    late = add_item(pm, bob, TODAY - timedelta(days=3), "Write the failover runbook")
    later = add_item(pm, cat, TODAY - timedelta(days=1), "Cap the <payments> pool")
    add_item(pm, bob, TODAY + timedelta(days=1), "Due tomorrow: not overdue")

    report = run_reminders(org, now=NOW)
    assert report.digests == 2

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "action_items.overdue"
    text = delivery.payload["text"]
    assert text.startswith("2 action items are overdue in Acme Corporation")
    link = f"http://127.0.0.1:8000/o/acme/postmortems/{pm.number}/#action-item-{late.number}"
    assert f"<{link}|AI-{late.number}> Write the failover runbook — Bob Byrne, 3 days overdue" in (
        text
    )
    assert f"AI-{later.number}> Cap the &lt;payments&gt; pool — Cat Cole, 1 day overdue" in text
    assert "Due tomorrow" not in text
    assert "<http://127.0.0.1:8000/o/acme/action-items/?due=overdue|" in text
    assert set(delivery.payload) == {"text", "hindsight"}

    # the same run again: nothing new to remind, nothing new to post
    run_reminders(org, now=NOW)
    assert WebhookDelivery.objects.count() == 1


def test_a_run_with_no_overdue_reminder_posts_nothing(pm, owners, org):
    org.webhook_url = "https://hooks.slack.com/services/T1/B1/xyz"
    org.save()
    add_item(pm, owners[0], TODAY + timedelta(days=1), "Due tomorrow")
    assert run_reminders(org, now=NOW).digests == 1
    assert not WebhookDelivery.objects.exists()


def test_overdue_items_post_nothing_without_a_webhook(pm, owners, org):
    add_item(pm, owners[0], TODAY - timedelta(days=2), "Late")
    assert run_reminders(org, now=NOW).digests == 1
    assert not WebhookDelivery.objects.exists()


def test_the_chunks_of_one_run_join_one_message(pm, owners, org):
    """Celery sends a run's digests in chunks of recipients; they share one message."""
    org.webhook_url = "https://hooks.slack.com/services/T1/B1/xyz"
    org.save()
    bob, cat = owners
    add_item(pm, bob, TODAY - timedelta(days=2), "Bob's late item")
    add_item(pm, cat, TODAY - timedelta(days=4), "Cat's late item")
    with scope(organization=org):
        for user in (bob, cat):
            reminders.send_digests(
                organization=org, user_ids=[user.pk], now=NOW, report=RunReport("acme")
            )
    [delivery] = WebhookDelivery.objects.all()
    text = delivery.payload["text"]
    assert text.startswith("2 action items are overdue")
    assert "Bob's late item" in text and "Cat's late item" in text
    # a later run starts a message of its own
    add_item(pm, bob, TODAY - timedelta(days=1), "Another late one")
    run_reminders(org, now=NOW + timedelta(hours=1))
    assert WebhookDelivery.objects.count() == 2


def test_items_of_restricted_postmortems_are_counted_but_not_described(pm, owners, org):
    org.webhook_url = "https://hooks.slack.com/services/T1/B1/xyz"
    org.save()
    Postmortem.objects.filter(pk=pm.pk).update(visibility=Visibility.TEAM)
    # the owner may still read it: make them an invited editor
    from guardian.shortcuts import assign_perm

    from postmortems.permissions import EDIT_PERMISSION

    assign_perm(EDIT_PERMISSION, owners[0], pm)
    add_item(pm, owners[0], TODAY - timedelta(days=2), "Rotate the leaked key")
    run_reminders(org, now=NOW)
    [delivery] = WebhookDelivery.objects.all()
    text = delivery.payload["text"]
    assert text.startswith("1 action item is overdue")
    assert "Rotate the leaked key" not in text and "…and 1 more." in text
