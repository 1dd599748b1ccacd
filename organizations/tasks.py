"""Organization tasks: notification emails (queued by ``notifications.notify`` after commit) and
webhook deliveries (queued by ``webhooks.webhook_queue`` after commit)."""

from celery import shared_task
from django.db import DatabaseError

from . import webhooks
from .models import Notification, WebhookDelivery, WebhookStatus
from .notifications import notification_email_send
from .scoping import across_organizations, in_organization_of

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "retry_backoff_max": 600}


@shared_task(max_retries=6, **RETRY)
@in_organization_of(Notification, many=True, missing=0)
def send_notification_emails(notifications: list[Notification]) -> int:
    """Email each notification once; safe to run twice (already-sent ones are skipped)."""
    return sum(
        notification_email_send(notification)
        for notification in notifications
        if notification.emailed_at is None
    )


@shared_task(
    bind=True,
    max_retries=webhooks.MAX_ATTEMPTS + 3,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
)
@in_organization_of(WebhookDelivery, missing="missing")
def deliver_webhook(self, delivery: WebhookDelivery) -> str:
    """One attempt at a webhook delivery; a failure before the last attempt is retried later
    with exponential backoff (the delivery row counts the attempts, so the retry count of the
    task never decides). Safe to run twice: SENT and FAILED deliveries are skipped."""
    delivery = webhooks.webhook_attempt(delivery.pk)
    if delivery is None:
        return "missing"
    if delivery.status == WebhookStatus.PENDING:
        raise self.retry(countdown=webhooks.retry_delay(delivery.attempts))
    return delivery.status


@shared_task
@across_organizations
def requeue_stale_webhooks() -> int:
    """Beat: queue again the deliveries whose task was lost (still PENDING long after their
    last retry would have run). Answers how many were queued."""
    ids = webhooks.stale_delivery_ids()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
