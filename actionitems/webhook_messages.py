"""The "action items are overdue" message for the organization's chat webhook.

One digest per organization per reminder run (``overdue_items_queue``, called by
``reminders.run_reminders``): the chunks of one run merge into one message while it waits to
be sent. What it says is decided here, next to the items it describes; ``organizations.webhooks``
records and delivers it. Items of postmortems not visible to the whole organization are counted
but never named.
"""

import zoneinfo
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from organizations.models import Organization, WebhookDelivery, WebhookStatus
from organizations.people import display_name
from organizations.site import absolute_url
from organizations.webhooks import Event, escape, link, shorten, webhook_queue
from postmortems.models import Visibility

from .models import ActionItem

OVERDUE_GATHER_SECONDS = 60  # the chunks of one reminder run join the first one's message
OVERDUE_LINES = 5


def _overdue_text(organization: Organization, count: int, lines: list[str]) -> str:
    tracker = absolute_url(reverse("action_item_tracker", kwargs={"org_slug": organization.slug}))
    head = f"{count} action item{'s are' if count != 1 else ' is'} overdue in {organization.name}"
    body = [escape(head), *lines]
    if count > len(lines):
        body.append(f"…and {count - len(lines)} more.")
    body.append(link(f"{tracker}?due=overdue", "Open the overdue items in Hindsight"))
    return "\n".join(body)


def _overdue_lines(organization: Organization, item_ids: list[int], now: datetime) -> list[str]:
    """A line per item whose postmortem the whole organization may read (the first few)."""
    today = timezone.localtime(now, zoneinfo.ZoneInfo(organization.time_zone or "UTC")).date()
    items = (
        ActionItem.objects.filter(
            organization=organization,
            pk__in=item_ids,
            postmortem__visibility=Visibility.ORGANIZATION,
        )
        .select_related("postmortem", "owner")
        .order_by("due_date", "number")[:OVERDUE_LINES]
    )
    lines = []
    for item in items:
        path = reverse(
            "postmortem_detail",
            kwargs={"org_slug": organization.slug, "number": item.postmortem.number},
        )
        days = (today - item.due_date).days if item.due_date else 0
        owner = display_name(item.owner, missing="no owner")
        lines.append(
            f"• {link(absolute_url(path) + f'#action-item-{item.number}', f'AI-{item.number}')} "
            f"{escape(shorten(item.description))} — {escape(owner)}, "
            f"{days} day{'s' if days != 1 else ''} overdue "
            f"(PM-{item.postmortem.number} {escape(shorten(item.postmortem.title, 60))})"
        )
    return lines


def overdue_items_queue(
    *, organization: Organization, item_ids: Iterable[int], now: datetime
) -> WebhookDelivery | None:
    """One message for the items that got an overdue reminder in the reminder run at ``now``:
    joined to the run's message while that one waits to be sent, else a new one (sent after
    ``OVERDUE_GATHER_SECONDS`` so the run's other chunks can join it)."""
    item_ids = sorted(set(item_ids))
    if not item_ids or not organization.webhook_url:
        return None
    run = now.isoformat()
    with transaction.atomic(), scope(organization=organization):
        # one writer per organization at a time, so two chunks never both start a message
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        lines = _overdue_lines(organization, item_ids, now)
        waiting = (
            WebhookDelivery.objects.select_for_update()
            .filter(
                organization=organization,
                event=Event.OVERDUE,
                status=WebhookStatus.PENDING,
                attempts=0,
                payload__hindsight__run=run,
            )
            .first()
        )
        if waiting is None:
            extra = {"run": run, "count": len(item_ids), "lines": lines}
            return webhook_queue(
                organization=organization,
                event=Event.OVERDUE,
                text=_overdue_text(organization, len(item_ids), lines),
                extra=extra,
                countdown=OVERDUE_GATHER_SECONDS,
            )
        extra = waiting.payload["hindsight"]
        extra["count"] += len(item_ids)
        extra["lines"] = (extra["lines"] + lines)[:OVERDUE_LINES]
        waiting.payload["text"] = _overdue_text(organization, extra["count"], extra["lines"])
        waiting.save(update_fields=["payload"])
        return waiting
