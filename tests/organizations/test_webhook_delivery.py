"""The chat webhook's delivery against a local HTTP server: retries with growing pauses, then
FAILED; no redirect followed; https and public addresses only."""

import json
import time
from datetime import timedelta

from celery.exceptions import Retry
from django.urls import reverse
from django.utils import timezone

from organizations import addresses, tasks, webhooks
from organizations.models import WebhookDelivery, WebhookStatus


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
        addresses.socket,
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
