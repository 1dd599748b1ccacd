"""Notifications: in-app rows under the bell, and emails sent by Celery after commit.

``notify`` is the one way to tell members something. It writes one row per recipient in the
caller's transaction (the actor is never told of their own action) and, once that transaction
commits, queues the email task with the new rows' ids; each member may turn email off per kind.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Notification, NotificationKind, NotificationSetting, Organization
from .site import absolute_url


def notify(
    *,
    organization: Organization,
    kind: NotificationKind | str,
    recipients: Iterable[AbstractBaseUser | None],
    actor: AbstractBaseUser | None,
    title: str,
    url: str,
    body: str = "",
) -> list[Notification]:
    """Tell ``recipients`` (deduplicated, the actor left out); email after commit."""
    people = {user.pk: user for user in recipients if user is not None}
    if actor is not None:
        people.pop(actor.pk, None)
    if not people:
        return []
    created = Notification.objects.bulk_create(
        Notification(
            organization=organization,
            recipient=user,
            kind=kind,
            actor=actor,
            title=title[:200],
            body=body,
            url=url,
        )
        for user in people.values()
    )
    ids = [n.pk for n in created]  # bulk_create returns ids on PostgreSQL and SQLite ≥ 3.35
    # robust: a broker or mail outage must not turn a committed change into an error page.
    transaction.on_commit(lambda: _queue_emails(ids), robust=True)
    return created


def _queue_emails(ids: list[int]) -> None:
    from .tasks import send_notification_emails

    send_notification_emails.delay(ids)


def email_wanted(*, organization: Organization, user: AbstractBaseUser, kind: str) -> bool:
    setting = NotificationSetting.objects.filter(
        organization=organization, user=user, kind=kind
    ).first()
    return setting is None or setting.email


def email_settings_set(
    *, organization: Organization, user: AbstractBaseUser, email_kinds: Iterable[str]
) -> None:
    """Email on for ``email_kinds``, off for every other kind."""
    wanted = set(email_kinds)
    for kind in NotificationKind.values:
        NotificationSetting.objects.update_or_create(
            organization=organization, user=user, kind=kind, defaults={"email": kind in wanted}
        )


def notification_email_send(notification: Notification) -> bool:
    """Send one notification's email unless it went already or the member turned it off.

    The row stays locked while the email is sent and marked sent, so two workers never both
    send it; a failure between sending and committing lets a retry send it once more
    (at-least-once: an email may rarely arrive twice, but is never lost)."""
    with transaction.atomic():
        locked = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "organization", "actor")
            .filter(pk=notification.pk, emailed_at__isnull=True)
            .first()
        )
        if locked is None:
            return False
        recipient = locked.recipient
        if not recipient.email or not email_wanted(
            organization=locked.organization, user=recipient, kind=locked.kind
        ):
            Notification.objects.filter(pk=locked.pk).update(emailed_at=timezone.now())
            return False
        context = {
            "notification": locked,
            "recipient": recipient,
            "link": absolute_url(locked.url),
            "settings_link": absolute_url(
                reverse("notification_settings", kwargs={"org_slug": locked.organization.slug})
            ),
        }
        send_mail(
            subject=f"[{locked.organization.name}] {locked.title}",
            message=render_to_string("notifications/email.txt", context),
            html_message=render_to_string("notifications/email.html", context),
            from_email=None,
            recipient_list=[recipient.email],
        )
        Notification.objects.filter(pk=locked.pk).update(emailed_at=timezone.now())
    return True


def notifications_mark_read(
    *, organization: Organization, user: AbstractBaseUser, ids: Iterable[int] | None = None
) -> int:
    """Mark the member's notifications read (all of them when ``ids`` is None)."""
    unread = Notification.objects.filter(
        organization=organization, recipient=user, read_at__isnull=True
    )
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
