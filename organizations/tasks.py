"""Organization tasks: notification emails (queued by ``notifications.notify`` after commit)."""

from celery import shared_task
from django_scopes import scopes_disabled

from .models import Notification
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
