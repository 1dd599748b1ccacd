"""The chat webhook: delivery against a local HTTP server (retries with growing
pauses, then FAILED; no redirect followed; https only), and the messages Hindsight queues when
a postmortem is published and when action items fall overdue."""

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery.exceptions import Retry
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from actionitems import reminders
from actionitems.models import ActionItem
from actionitems.reminders import RunReport, run_reminders
from actionitems.services import action_item_create
from organizations import tasks, webhooks
from organizations.models import WebhookDelivery, WebhookStatus
from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemStatus, Visibility
from postmortems.review import transitions
from tests.postmortems.review.helpers import submitted

NOW = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)
TODAY = date(2027, 3, 9)


class Hook:
    """A local webhook receiver: records every request, answers from a script."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, bytes]] = []  # answers in turn; the last one repeats
        self.delay = 0.0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                hook.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                if hook.delay:
                    time.sleep(hook.delay)
                status, headers, body = (
                    hook.script.pop(0) if len(hook.script) > 1 else hook.script[0]
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T1/B1/secret-token-123456"
        self.answer(200, b"ok")

    def answer(self, *answers):
        """Each answer is a status, or ``(status, body)``, or ``(status, body, headers)``."""
        self.script = []
        for answer in answers:
            status, body, headers = (
                (*answer, {}, {})[:3]
                if isinstance(answer, tuple)
                else (
                    answer,
                    b"",
                    {},
                )
            )
            self.script.append((status, headers, body))

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def hook(settings):
    settings.WEBHOOK_INSECURE_HOSTS = ["127.0.0.1"]
    receiver = Hook()
    thread = threading.Thread(
        target=receiver.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def hooked_org(org, hook):
    org.webhook_url = hook.url
    org.save()
    return org


def queue(org, text="Hello <world> & co") -> WebhookDelivery:
    return webhooks.webhook_queue(organization=org, event=webhooks.Event.TEST, text=text)


def attempt_with_task(delivery) -> float | str:
    """Run the task once, as a worker would: answers the retry's countdown, or the outcome."""
    try:
        return tasks.deliver_webhook.apply(args=[delivery.pk]).get()
    except Retry as retry:
        return retry.when


# --- Delivery ------------------------------------------------------------------------------


def test_a_message_is_posted_after_commit_as_slack_json(
    hooked_org, hook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = queue(hooked_org)
    assert hook.requests == []  # nothing leaves before the transaction commits
    assert delivery.status == WebhookStatus.PENDING and len(callbacks) == 1
    callbacks[0]()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("SENT", 1, "")
    assert delivery.finished_at is not None
    [request] = hook.requests
    assert request["method"] == "POST" and request["path"] == "/services/T1/B1/secret-token-123456"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == {"text": "Hello <world> & co"}


def test_nothing_is_queued_without_a_webhook(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert queue(org) is None
    assert callbacks == [] and not WebhookDelivery.objects.exists()


def test_a_server_error_is_retried_with_growing_pauses_until_it_is_sent(hooked_org, hook):
    hook.answer((500, b"try later"), 500, 200)
    delivery = queue(hooked_org)

    assert attempt_with_task(delivery) == 30
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("PENDING", 1)
    assert delivery.last_error == "HTTP 500: try later"
    assert attempt_with_task(delivery) == 60
    assert attempt_with_task(delivery) == "SENT"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("SENT", 3, "")
    assert len(hook.requests) == 3


def test_a_delivery_that_keeps_failing_is_marked_failed_and_shown_in_settings(
    hooked_org, hook, client, admin_user
):
    hook.answer((404, b"no_service"))
    delivery = queue(hooked_org)
    pauses = [attempt_with_task(delivery) for _ in range(webhooks.MAX_ATTEMPTS)]
    assert pauses == [30, 60, 120, 240, "FAILED"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("FAILED", 5)
    assert delivery.last_error == "HTTP 404: no_service"
    assert delivery.finished_at is not None

    # a late duplicate of the task changes nothing
    assert attempt_with_task(delivery) == "FAILED"
    assert len(hook.requests) == 5

    client.force_login(admin_user)
    page = client.get(reverse("settings_general", kwargs={"org_slug": "acme"})).content.decode()
    assert "os-delivery--failed" in page and "HTTP 404: no_service" in page


def test_a_sent_delivery_is_never_sent_again(hooked_org, hook):
    delivery = queue(hooked_org)
    assert attempt_with_task(delivery) == "SENT"
    assert attempt_with_task(delivery) == "SENT"
    assert len(hook.requests) == 1


def test_without_a_broker_every_attempt_is_made_at_once(
    hooked_org, hook, django_capture_on_commit_callbacks
):
    hook.answer(500, 503, 200)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue(hooked_org)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("SENT", 3)


def test_without_a_broker_the_attempts_stop_within_a_budget(
    hooked_org, hook, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(webhooks, "EAGER_BUDGET_SECONDS", 0)
    hook.answer(500, 500, 200)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = queue(hooked_org)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("FAILED", 1)
    assert "No worker to retry later" in delivery.last_error
    assert len(hook.requests) == 1


def test_a_redirect_is_not_followed(hooked_org, hook):
    hook.answer((302, b"", {"Location": "/somewhere-else"}))
    delivery = queue(hooked_org)
    assert attempt_with_task(delivery) == 30
    delivery.refresh_from_db()
    assert delivery.last_error == "HTTP 302 (redirects are not followed)"
    assert [r["path"] for r in hook.requests] == ["/services/T1/B1/secret-token-123456"]


def test_a_server_that_does_not_answer_in_time_is_a_failure(hooked_org, hook, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)
    hook.delay = 1.0
    delivery = queue(hooked_org)
    started = time.monotonic()
    webhooks.webhook_attempt(delivery.pk)
    assert time.monotonic() - started < 1.0
    delivery.refresh_from_db()
    assert delivery.status == "PENDING" and "0.2 seconds" in delivery.last_error


def test_a_server_that_is_down_is_a_failure(org, settings):
    settings.WEBHOOK_INSECURE_HOSTS = ["127.0.0.1"]
    org.webhook_url = "http://127.0.0.1:9/hook"  # discard port: nothing listens
    org.save()
    delivery = queue(org)
    webhooks.webhook_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_error.startswith("Could not connect")


def test_plain_http_and_private_addresses_are_never_posted_to(org, hook, settings):
    for address in (hook.url, "https://10.0.0.7/hook", "https://localhost/hook"):
        settings.WEBHOOK_INSECURE_HOSTS = []
        org.webhook_url = address
        org.save()
        delivery = queue(org)
        webhooks.webhook_attempt(delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == "PENDING" and delivery.attempts == 1
        assert delivery.last_error.startswith(("Use an https://", "Use a public address"))
    assert hook.requests == []


def test_a_host_resolving_to_a_private_address_is_refused(org, monkeypatch):
    monkeypatch.setattr(
        webhooks.socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(2, 1, 6, "", ("192.168.1.20", 443))],
    )
    org.webhook_url = "https://chat.example.com/hook"
    org.save()
    delivery = queue(org)
    webhooks.webhook_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_error == "Refused: chat.example.com resolves to a private address."


def test_a_message_queued_before_the_webhook_was_removed_is_not_sent(hooked_org, hook):
    delivery = queue(hooked_org)
    hooked_org.webhook_url = ""
    hooked_org.save()
    assert attempt_with_task(delivery) == "FAILED"
    delivery.refresh_from_db()
    assert delivery.last_error == "The webhook was turned off before this message was sent."
    assert hook.requests == []


def test_lost_deliveries_are_queued_again(hooked_org, hook, monkeypatch):
    old = queue(hooked_org, "lost")
    queue(hooked_org, "recent")
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    queued = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", queued.append)
    assert tasks.requeue_stale_webhooks() == 1
    assert queued == [old.pk]


def test_the_pauses_grow_and_are_capped():
    assert [webhooks.retry_delay(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 600, 600]


def test_a_masked_address_never_shows_the_secret_path():
    masked = webhooks.mask("https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnop")
    assert masked == "hooks.slack.com/…mnop"
    assert webhooks.mask("https://example.com/short") == "example.com/…"
    assert webhooks.mask("") == ""


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
