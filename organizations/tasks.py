"""Organization tasks: notification emails (queued by ``notifications.notify`` after commit) and
webhook deliveries (queued by ``webhooks.webhook_queue`` after commit)."""

from celery import shared_task
from django.db import DatabaseError
from django_scopes import scopes_disabled

from . import webhooks
from .models import Notification, WebhookStatus
from .notifications import notification_email_send

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 600}


@shared_task(max_retries=6, **RETRY)
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email each notification once; safe to run twice (already-sent ones are skipped)."""
    sent = 0
    with scopes_disabled():
        for notification in Notification.objects.filter(
            pk__in=notification_ids, emailed_at__isnull=True
        ).order_by("pk"):
            sent += notification_email_send(notification)
    return sent


@shared_task(
    bind=True,
    max_retries=webhooks.MAX_ATTEMPTS + 3,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt at a webhook delivery; a failure before the last attempt is retried later
    with exponential backoff (the delivery row counts the attempts, so the retry count of the
    task never decides). Safe to run twice: SENT and FAILED deliveries are skipped."""
    delivery = webhooks.webhook_attempt(delivery_id)
    if delivery is None:
        return "missing"
    if delivery.status == WebhookStatus.PENDING:
        raise self.retry(countdown=webhooks.retry_delay(delivery.attempts))
    return delivery.status


@shared_task
def requeue_stale_webhooks() -> int:
    """Beat: queue again the deliveries whose task was lost (still PENDING long after their
    last retry would have run). Answers how many were queued."""
    ids = webhooks.stale_delivery_ids()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
