"""The organization's Slack-compatible incoming webhook: what is sent, and how it is delivered.

``webhook_queue`` writes a ``WebhookDelivery`` (PENDING) in the caller's transaction and, once
that commits, queues ``organizations.tasks.deliver_webhook`` with its id: a request never waits
for the webhook. The task makes one attempt per run (``webhook_attempt``): it POSTs
``{"text": …}`` with a short timeout, follows no redirect, counts anything but a 2xx as a
failure, records ``attempts`` and ``last_error``, and retries later with exponential backoff
(``retry_delay``); after ``MAX_ATTEMPTS`` the delivery is FAILED and the settings page shows it.
Deliveries already SENT or FAILED are skipped, so running the task twice is harmless.

Without a broker (``CELERY_TASK_ALWAYS_EAGER``, development) nobody would run a retry later,
so every attempt is made at once after commit. A delivery whose task was lost (broker down at
commit time, worker killed) is queued again by the beat task ``requeue_stale_webhooks``.

Only ``https`` URLs on public addresses are delivered. ``settings.WEBHOOK_INSECURE_HOSTS`` (empty
by default) names hosts exempt from both rules: the tests' local server, or a chat server on an
internal network.

Messages: "Postmortem published" (``postmortem_published_queue``, from the publish transition)
and "action items are overdue" (``overdue_items_queue``, one digest per organization per reminder
run: the chunks of one run merge into one message while it waits to be sent). Titles of
postmortems not visible to the whole organization never leave Hindsight.
"""

import ipaddress
import logging
import socket
import time
import urllib.error
import urllib.request
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from json import dumps
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from .models import Organization, WebhookDelivery, WebhookStatus
from .site import absolute_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 5
EAGER_BUDGET_SECONDS = 10  # in-process delivery (no broker): what a request may wait
BACKOFF_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min between the five attempts
BACKOFF_MAX_SECONDS = 600
OVERDUE_GATHER_SECONDS = 60  # the chunks of one reminder run join the first one's message
OVERDUE_LINES = 5
RECENT_DELIVERIES = 20
STALE_AFTER = timedelta(minutes=30)  # well past the last retry (7.5 min of pauses)


class Event:
    PUBLISHED = "postmortem.published"
    OVERDUE = "action_items.overdue"
    TEST = "test"


EVENT_LABELS = {
    Event.PUBLISHED: "Postmortem published",
    Event.OVERDUE: "Action items overdue",
    Event.TEST: "Test message",
}


# --- Addresses -----------------------------------------------------------------------------------


def _insecure_hosts() -> set[str]:
    return {host.lower() for host in getattr(settings, "WEBHOOK_INSECURE_HOSTS", ())}


def _private_ip(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_global
    except ValueError:
        return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def url_problem(url: str) -> str | None:
    """Why Hindsight would not deliver to ``url`` (None when it would): https only, a host, no
    credentials, no private address (hosts in ``WEBHOOK_INSECURE_HOSTS`` excepted)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return "Enter a valid URL."
    host = (parts.hostname or "").lower()
    exempt = host in _insecure_hosts()
    if parts.scheme != "https" and not (exempt and parts.scheme == "http"):
        return "Use an https:// address: messages name incidents and must travel encrypted."
    if not host:
        return "Enter a valid URL."
    if parts.username or parts.password:
        return "Leave the user name and password out of the address."
    if not exempt and _private_ip(host):
        return "Use a public address: Hindsight does not post to private or local networks."
    return None


def _resolution_problem(url: str) -> str | None:
    """Refuse a host that resolves to a private address (unless exempt)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _insecure_hosts():
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"Could not resolve {host}: {exc}"
    for *_, sockaddr in infos:
        if _private_ip(str(sockaddr[0])):
            return f"Refused: {host} resolves to a private address."
    return None


def mask(url: str) -> str:
    """The host and at most the last 4 characters of a long path, never the secret part:
    ``hooks.slack.com/…x7Qz``."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return "…"
    path = parts.path.rstrip("/")
    return f"{host}/…{path[-4:] if len(path) >= 20 else ''}"


# --- Messages ------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Slack's control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    return f"<{url}|{_escape(label)}>"


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "no owner"


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def webhook_queue(
    *,
    organization: Organization,
    event: str,
    text: str,
    extra: dict | None = None,
    countdown: int | None = None,
) -> WebhookDelivery | None:
    """Record a message for the organization's webhook and send it after commit (None when no
    webhook is set). ``extra`` is kept with the delivery and never sent."""
    url = organization.webhook_url
    if not url:
        return None
    payload = {"text": text, **({"hindsight": extra} if extra else {})}
    with scope(organization=organization):
        delivery = WebhookDelivery.objects.create(
            organization=organization, event=event, url=url, payload=payload
        )
    transaction.on_commit(lambda: _enqueue(delivery.pk, countdown), robust=True)
    return delivery


def _enqueue(delivery_id: int, countdown: int | None = None) -> None:
    from .tasks import deliver_webhook

    if deliver_webhook.app.conf.task_always_eager:
        # No broker, no worker (development): nobody would run a retry later, so the attempts
        # are made now, back to back, within a budget (the request is waiting for them).
        deadline = time.monotonic() + EAGER_BUDGET_SECONDS
        while (
            delivery := webhook_attempt(delivery_id)
        ) and delivery.status == WebhookStatus.PENDING:
            if time.monotonic() >= deadline:
                _give_up(delivery, "No worker to retry later (tasks run in-process).")
                break
        return
    deliver_webhook.apply_async(args=[delivery_id], countdown=countdown)


def _give_up(delivery: WebhookDelivery, why: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookStatus.PENDING).update(
        status=WebhookStatus.FAILED,
        finished_at=timezone.now(),
        last_error=f"{delivery.last_error} {why}".strip()[:300],
    )


def webhook_test_queue(*, organization: Organization, actor) -> WebhookDelivery | None:
    """A message an admin sends to check the webhook."""
    settings_link = absolute_url(
        reverse("settings_general", kwargs={"org_slug": organization.slug})
    )
    text = (
        f"Hindsight test message from {_escape(organization.name)}, sent by "
        f"{_escape(_person(actor))}. This channel will hear when postmortems are published and "
        f"when action items become overdue. {_link(settings_link, 'Webhook settings')}"
    )
    return webhook_queue(organization=organization, event=Event.TEST, text=text)


def postmortem_published_queue(postmortem) -> WebhookDelivery | None:
    """Queue “Postmortem published: PM-12 Title”, linked; call inside the publishing
    transaction."""
    from postmortems.models import Visibility

    organization = postmortem.organization
    if not organization.webhook_url:
        return None
    path = reverse(
        "postmortem_detail", kwargs={"org_slug": organization.slug, "number": postmortem.number}
    )
    public = postmortem.visibility == Visibility.ORGANIZATION
    label = f"PM-{postmortem.number} {postmortem.title}" if public else f"PM-{postmortem.number}"
    text = f"Postmortem published: {_link(absolute_url(path), label)}"
    if not public:
        text += " (restricted: open it in Hindsight to read it)"
    elif postmortem.incident_id:
        incident = postmortem.incident
        text += f"\n{incident.severity} · {incident.ref} · by {_escape(_person(postmortem.author))}"
    return webhook_queue(organization=organization, event=Event.PUBLISHED, text=text)


def _overdue_text(organization: Organization, count: int, lines: list[str]) -> str:
    tracker = absolute_url(reverse("action_item_tracker", kwargs={"org_slug": organization.slug}))
    head = f"{count} action item{'s are' if count != 1 else ' is'} overdue in {organization.name}"
    body = [_escape(head), *lines]
    if count > len(lines):
        body.append(f"…and {count - len(lines)} more.")
    body.append(_link(f"{tracker}?due=overdue", "Open the overdue items in Hindsight"))
    return "\n".join(body)


def _overdue_lines(organization: Organization, item_ids: list[int], now: datetime) -> list[str]:
    """A line per item whose postmortem the whole organization may read (the first few)."""
    from actionitems.models import ActionItem
    from postmortems.models import Visibility

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
        lines.append(
            f"• {_link(absolute_url(path) + f'#action-item-{item.number}', f'AI-{item.number}')} "
            f"{_escape(_shorten(item.description))} — {_escape(_person(item.owner))}, "
            f"{days} day{'s' if days != 1 else ''} overdue "
            f"(PM-{item.postmortem.number} {_escape(_shorten(item.postmortem.title, 60))})"
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


# --- Delivery ------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the failure it is (the 3xx), never followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post(url: str, body: dict) -> str | None:
    """POST ``body`` as JSON; None on a 2xx answer, else what went wrong (short)."""
    problem = url_problem(url) or _resolution_problem(url)
    if problem:
        return problem
    request = urllib.request.Request(  # noqa: S310 (scheme checked by url_problem)
        url,
        data=dumps(body).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "Hindsight-Webhook/1"},
        method="POST",
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        answer = exc.read(200).decode("utf-8", "replace").strip()
        moved = " (redirects are not followed)" if 300 <= exc.code < 400 else ""
        return f"HTTP {exc.code}{moved}" + (f": {answer}" if answer else "")
    except urllib.error.URLError as exc:
        return f"Could not connect: {exc.reason}"
    except TimeoutError:
        return f"No answer within {TIMEOUT_SECONDS} seconds"
    except OSError as exc:
        return f"Connection failed: {exc}"
    if not 200 <= status < 300:
        return f"HTTP {status}"
    return None


def webhook_attempt(delivery_id: int) -> WebhookDelivery | None:
    """One delivery attempt. The row stays locked while the message is posted, so two workers
    never post it both; SENT and FAILED deliveries are left alone. Returns the delivery (PENDING
    means "try again later"), or None when it no longer exists."""
    with scopes_disabled(), transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != WebhookStatus.PENDING:
            return delivery
        if not delivery.organization.webhook_url:
            error = "The webhook was turned off before this message was sent."
            delivery.attempts = MAX_ATTEMPTS - 1  # no point in retrying
        else:
            error = _post(delivery.url, {"text": delivery.payload.get("text", "")})
        delivery.attempts += 1
        if error is None:
            delivery.status, delivery.last_error = WebhookStatus.SENT, ""
        else:
            delivery.last_error = error[:300]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookStatus.FAILED
                logger.warning(
                    "Webhook delivery %s to %s failed: %s", delivery.pk, mask(delivery.url), error
                )
        if delivery.status != WebhookStatus.PENDING:
            delivery.finished_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "last_error", "finished_at"])
    return delivery


def stale_delivery_ids(now: datetime | None = None) -> list[int]:
    """PENDING deliveries older than any retry schedule (their task was lost: the broker was
    down at commit time, or a worker died), for the beat task to queue again."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    with scopes_disabled():
        stale = WebhookDelivery.objects.filter(status=WebhookStatus.PENDING, created_at__lt=cutoff)
        return list(stale.order_by("pk").values_list("pk", flat=True)[:500])


def retry_delay(attempts: int) -> int:
    """Seconds to wait after ``attempts`` failed attempts: 30, 60, 120, 240 (at most 600)."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2 ** max(0, attempts - 1))


# --- Reads ---------------------------------------------------------------------------------------


def recent_deliveries(organization: Organization) -> QuerySet[WebhookDelivery]:
    """The latest deliveries, newest first (the settings page's list)."""
    deliveries = WebhookDelivery.objects.filter(organization=organization)
    return deliveries.order_by("-created_at", "-id")[:RECENT_DELIVERIES]
