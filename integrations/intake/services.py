"""Writes for inbound webhooks: endpoints (created, rotated, deactivated, their rules) and
deliveries (stored as received, processed once, replayed, forgotten after 14 days)."""

import hashlib
import logging
import secrets
from contextlib import nullcontext
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations import audit
from organizations.models import Organization
from organizations.services import hash_token

from .errors import Quarantine
from .models import DeliveryStatus, InboundDelivery, WebhookEndpoint
from .sources import SOURCES

logger = logging.getLogger(__name__)

SECRET_PREFIX = "hs_hook_"  # noqa: S105 (a public marker, not a secret)
# How much of a pasted secret the endpoint's card shows, to tell which one is in use.
PASTED_PREFIX_LENGTH = 4
# The request headers a delivery keeps
# (never Authorization nor a signature). Sources read their event's kind and id from some.
KEPT_HEADERS = (
    "Content-Type",
    "User-Agent",
    "Content-Length",
    "X-Github-Event",
    "X-Github-Delivery",
    "X-Atlassian-Webhook-Identifier",
    "Linear-Delivery",
    "Linear-Event",
)


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def endpoint_create(
    *,
    organization: Organization,
    actor: AbstractBaseUser,
    kind: str,
    name: str,
    alert_rule: str,
    default_severity: str,
    severity_map: dict[str, str],
    signing_secret: str = "",
) -> tuple[WebhookEndpoint, str | None]:
    """A new endpoint and its plain secret, which is never available again (None when the
    admin pasted the tool's own secret, ``signing_secret``, which is not shown back)."""
    secret, shown = _secret(kind, signing_secret)
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        kind=kind,
        name=name.strip(),
        public_id=secrets.token_hex(12),
        **secret,
        alert_rule=alert_rule,
        default_severity=default_severity,
        severity_map=severity_map,
        created_by=actor,
    )
    audit.record(
        organization=organization,
        actor=actor,
        action="integration.endpoint_created",
        target=endpoint.name,
        details={"kind": kind},
    )
    return endpoint, shown


def _secret(kind: str, signing_secret: str) -> tuple[dict[str, str], str | None]:
    """The endpoint's secret columns, and the secret to show once (None for a pasted one). A
    tool that makes its own secret may have none yet (its address is needed to make it): the
    endpoint then refuses every request until the secret is pasted."""
    source = SOURCES[kind]
    if source.pasted_secret:
        plain, shown = signing_secret.strip(), None
        if not plain:
            return {"secret_hash": "", "secret_prefix": "", "secret_encrypted": ""}, None
        prefix = plain[:PASTED_PREFIX_LENGTH]
    else:
        plain = shown = _new_secret()
        prefix = plain[: len(SECRET_PREFIX) + 4]
    columns = {
        "secret_hash": hash_token(plain),
        "secret_prefix": prefix,
        "secret_encrypted": plain if source.keeps_secret else "",
    }
    return columns, shown


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: AbstractBaseUser,
    name: str,
    alert_rule: str,
    default_severity: str,
    severity_map: dict[str, str],
) -> WebhookEndpoint:
    changes = {}
    for field, value in (
        ("name", name.strip()),
        ("alert_rule", alert_rule),
        ("default_severity", default_severity),
        ("severity_map", severity_map),
    ):
        old = getattr(endpoint, field)
        if old != value:
            changes[field] = {"old": str(old), "new": str(value)}
            setattr(endpoint, field, value)
    if changes:
        endpoint.save(update_fields=list(changes))
        audit.record(
            organization=endpoint.organization,
            actor=actor,
            action="integration.endpoint_updated",
            target=endpoint.name,
            details=changes,
        )
    return endpoint


@transaction.atomic
def endpoint_rotate(
    *, endpoint: WebhookEndpoint, actor: AbstractBaseUser, signing_secret: str = ""
) -> str | None:
    """A new secret for the endpoint; the old one stops working at once. Returns the new
    secret to show once, or None when the admin pasted the tool's new one."""
    columns, shown = _secret(endpoint.kind, signing_secret)
    for field, value in columns.items():
        setattr(endpoint, field, value)
    endpoint.rotated_at = timezone.now()
    endpoint.save(update_fields=[*columns, "rotated_at"])
    audit.record(
        organization=endpoint.organization,
        actor=actor,
        action="integration.secret_rotated",
        target=endpoint.name,
    )
    return shown


@transaction.atomic
def endpoint_deactivate(*, endpoint: WebhookEndpoint, actor: AbstractBaseUser) -> bool:
    """Its URL answers 404 from now on. False when it was inactive already."""
    if not endpoint.is_active:
        return False
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])
    audit.record(
        organization=endpoint.organization,
        actor=actor,
        action="integration.endpoint_deactivated",
        target=endpoint.name,
    )
    return True


def delivery_receive(
    *, endpoint: WebhookEndpoint, body: bytes, headers: dict[str, str]
) -> tuple[InboundDelivery, bool]:
    """Store a delivery as received and queue its processing; the one already stored (and
    False) when the source sent this event before. A body that cannot be read is stored
    QUARANTINED with the reason, under the hash of the body, and not queued."""
    source = SOURCES[endpoint.kind]
    status, outcome = DeliveryStatus.RECEIVED, ""
    try:
        event_id = source.event_id(source.read(endpoint, body, headers))
    except Quarantine as reason:
        event_id = hashlib.sha256(body).hexdigest()
        status, outcome = DeliveryStatus.QUARANTINED, str(reason)
    kept = {name: headers[name][:200] for name in KEPT_HEADERS if name in headers}
    delivery = InboundDelivery(
        organization=endpoint.organization,
        endpoint=endpoint,
        event_id=event_id,
        body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        headers=kept,
        status=status,
        outcome=outcome,
        processed_at=timezone.now() if status != DeliveryStatus.RECEIVED else None,
    )
    if not _insert(delivery):
        existing = InboundDelivery.objects.get(endpoint=endpoint, event_id=event_id)
        return existing, False
    if status == DeliveryStatus.RECEIVED:
        _enqueue(delivery.pk)
    else:
        logger.info("Inbound delivery %s quarantined: %s", delivery.pk, outcome)
    return delivery, True


def _insert(delivery: InboundDelivery) -> bool:
    """Insert the delivery; False when its endpoint has its event already. The INSERT is one
    statement, atomic on its own: a savepoint is taken only inside a caller's transaction
    (which the refused INSERT would otherwise break). Outside one, a transaction around it
    would cost the request two more round trips to the database."""
    in_transaction = transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic() if in_transaction else nullcontext():
            delivery.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _enqueue(delivery_id: int) -> None:
    from .. import tasks  # the tasks call this module's services

    transaction.on_commit(lambda: tasks.process_inbound_delivery.delay(delivery_id), robust=True)


def delivery_process(*, delivery: InboundDelivery) -> str:
    """Apply a received delivery once: its effects all happen or none (a quarantined or failed
    delivery leaves no half-made incident). Deliveries of one endpoint are processed one at a
    time, so two alerts of a service never open two incidents. Returns the final status."""
    with transaction.atomic():
        locked = (
            InboundDelivery.objects.select_for_update()
            .filter(pk=delivery.pk, status=DeliveryStatus.RECEIVED)
            .first()
        )
        if locked is None:
            return InboundDelivery.objects.get(pk=delivery.pk).status
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=locked.endpoint_id)
        source = SOURCES[endpoint.kind]
        locked.attempts += 1
        try:
            with transaction.atomic():
                parsed = source.read(endpoint, locked.body.encode(), locked.headers)
                outcome = source.apply(endpoint, parsed)
            status = DeliveryStatus.PROCESSED
        except Quarantine as reason:
            status, outcome = DeliveryStatus.QUARANTINED, str(reason)
        except ValidationError as error:
            status, outcome = DeliveryStatus.QUARANTINED, "; ".join(error.messages)
        except Exception:  # noqa: BLE001 (recorded as FAILED with the trace logged)
            logger.exception("Inbound delivery %s failed", locked.pk)
            status, outcome = DeliveryStatus.FAILED, "Processing failed; the error is logged."
        locked.status, locked.outcome = status, outcome[:2000]
        locked.processed_at = timezone.now()
        locked.save(update_fields=["status", "outcome", "processed_at", "attempts"])
    return status


@transaction.atomic
def delivery_replay(*, delivery: InboundDelivery, actor: AbstractBaseUser) -> None:
    """Process the stored delivery again. What it did before is not done twice (each source
    keeps what each event already did)."""
    InboundDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.RECEIVED, outcome="", processed_at=None
    )
    audit.record(
        organization=delivery.organization,
        actor=actor,
        action="integration.delivery_replayed",
        target=delivery.endpoint.name,
        details={"delivery": delivery.pk},
    )
    _enqueue(delivery.pk)


def deliveries_forget(*, before: datetime) -> int:
    """Delete every organization's deliveries received before ``before`` (the caller runs
    across organizations)."""
    deleted, _ = InboundDelivery.objects.filter(received_at__lt=before).delete()
    return deleted


def stale_delivery_ids(*, before: datetime) -> list[int]:
    """Every organization's deliveries still waiting for processing since before ``before``
    (the caller runs across organizations)."""
    return list(
        InboundDelivery.objects.filter(status=DeliveryStatus.RECEIVED, received_at__lt=before)
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
