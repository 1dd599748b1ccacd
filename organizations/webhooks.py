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

This module is the transport only (and the test message an admin sends). What a message says is
decided next to what it describes, with the markup helpers here (``escape``, ``link``,
``shorten``; people are named by ``organizations.people.display_name``): "Postmortem
published" in ``postmortems.webhook_messages`` and "action items are overdue" in
``actionitems.webhook_messages``.
"""

import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from json import dumps
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from . import addresses
from .models import Organization, WebhookDelivery, WebhookStatus
from .people import display_name
from .site import absolute_url

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 5
EAGER_BUDGET_SECONDS = 10  # in-process delivery (no broker): what a request may wait
BACKOFF_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min between the five attempts
BACKOFF_MAX_SECONDS = 600
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


def url_problem(url: str) -> str | None:
    """Why Hindsight would not deliver to ``url`` (None when it would): https only, a host, no
    credentials, no private address (hosts in ``WEBHOOK_INSECURE_HOSTS`` excepted)."""
    return addresses.address_problem(
        url,
        allowed_hosts=_insecure_hosts(),
        https_reason="messages name incidents and must travel encrypted.",
    )


def _resolution_problem(url: str) -> str | None:
    return addresses.resolution_problem(url, allowed_hosts=_insecure_hosts())


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


# --- Message markup ---------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's control characters in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A link in Slack's markup: ``<url|label>``."""
    return f"<{url}|{escape(label)}>"


def shorten(text: str, limit: int = 120) -> str:
    """One line of at most ``limit`` characters, cut with an ellipsis."""
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
        f"Hindsight test message from {escape(organization.name)}, sent by "
        f"{escape(display_name(actor, missing='no owner'))}. This channel will hear when "
        "postmortems are published and when action items become overdue. "
        f"{link(settings_link, 'Webhook settings')}"
    )
    return webhook_queue(organization=organization, event=Event.TEST, text=text)


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
    down at commit time, or a worker died), for the beat task to queue again (in every
    organization: it runs in that task, ``across_organizations``)."""
    cutoff = (now or timezone.now()) - STALE_AFTER
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
