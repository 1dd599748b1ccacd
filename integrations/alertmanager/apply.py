"""What an Alertmanager notification does to the organization's incidents.

Each firing alert attaches, once per occurrence (fingerprint and start), to the open incident
of its service (label ``service``, else ``job``, matched by the service's name) as a linked
alert and a timeline entry; when the service has no open incident, the endpoint's rule opens
one or leaves the alert unattached. A resolved alert adds a timeline entry and an "Ended:" line
to its link's details, once. Every alert is checked before any is applied: a delivery naming an
unknown service changes nothing. Writes go through ``incidents.services``; the caller holds the
transaction.

The senders of Alertmanager-shaped notifications (Grafana's webhook contact point) call
``apply`` with their own ``Origin``: who the timeline names, how links and occurrences are keyed."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import EntryKind, Incident, LinkType, Service

from ..intake.errors import Quarantine
from ..intake.models import AlertRule, WebhookEndpoint
from .models import AlertOccurrence
from .payload import Alert, Notification
from .selectors import alert_link, open_incident_of

URL_LIMIT = 500


@dataclass(frozen=True)
class Origin:
    """Who sent the alerts: the name timeline entries show, the prefix of the links' external
    ids, and the prefix that keeps its alert occurrences apart from another sender's."""

    name: str
    key: str
    occurrence_prefix: str = ""


ALERTMANAGER = Origin(name="Alertmanager", key="alertmanager")


def apply(
    endpoint: WebhookEndpoint, notification: Notification, origin: Origin = ALERTMANAGER
) -> str:
    services = _services_of(endpoint, notification)
    done: list[str] = []
    for alert in notification.alerts:
        service = services[alert.service]
        if alert.status == "firing":
            done.append(_fire(endpoint, alert, service, origin))
        else:
            done.append(_resolve(endpoint, alert, service, origin))
    return "; ".join(done)


def _services_of(endpoint: WebhookEndpoint, notification: Notification) -> dict[str, Service]:
    names = {alert.service for alert in notification.alerts}
    if "" in names:
        raise Quarantine("An alert has neither a “service” nor a “job” label.")
    found = {
        service.name: service
        for service in Service.objects.filter(organization=endpoint.organization, name__in=names)
    }
    unknown = sorted(names - set(found))
    if unknown:
        listed = ", ".join(f"“{name}”" for name in unknown)
        raise Quarantine(f"Unknown service {listed}: add it in Hindsight or fix the label.")
    return found


def _occurrence(endpoint: WebhookEndpoint, alert: Alert, origin: Origin) -> AlertOccurrence:
    occurrence, _ = AlertOccurrence.objects.select_for_update().get_or_create(
        organization=endpoint.organization,
        fingerprint=origin.occurrence_prefix + alert.fingerprint,
        starts_at=alert.starts_at,
    )
    return occurrence


def _fire(endpoint: WebhookEndpoint, alert: Alert, service: Service, origin: Origin) -> str:
    occurrence = _occurrence(endpoint, alert, origin)
    if occurrence.incident_id is not None:
        return f"{alert.name} already attached"
    incident = open_incident_of(endpoint.organization, service)
    opened = False
    if incident is None:
        if endpoint.alert_rule == AlertRule.ATTACH_ONLY:
            return f"{alert.name}: {service.name} has no open incident, not attached"
        incident = _open(endpoint, alert, service)
        opened = True
    url = _url(alert.generator_url)
    incident_services.link_add(
        incident=incident,
        type=LinkType.ALERT,
        title=_title(alert)[:200],
        url=url,
        external_id=f"{origin.key}:{alert.fingerprint}",
        occurred_at=alert.starts_at,
        details=_details(alert),
    )
    incident_services.timeline_entry_add(
        incident=incident,
        actor=None,
        actor_name=origin.name,
        occurred_at=alert.starts_at,
        kind=EntryKind.ALERT,
        description=f"Alert firing: {_title(alert)}",
        evidence_url=url,
    )
    occurrence.incident = incident
    occurrence.save(update_fields=["incident"])
    verb = "opened" if opened else "attached to"
    return f"{alert.name} {verb} {incident.ref}"


def _resolve(endpoint: WebhookEndpoint, alert: Alert, service: Service, origin: Origin) -> str:
    occurrence = _occurrence(endpoint, alert, origin)
    if occurrence.resolved_at is not None:
        return f"{alert.name} already resolved"
    incident = occurrence.incident or open_incident_of(endpoint.organization, service)
    occurrence.resolved_at = alert.ends_at
    occurrence.save(update_fields=["resolved_at"])
    if incident is None:
        return f"{alert.name} resolved: {service.name} has no open incident"
    ended = alert.ends_at or timezone.now()
    incident_services.timeline_entry_add(
        incident=incident,
        actor=None,
        actor_name=origin.name,
        occurred_at=ended,
        kind=EntryKind.ALERT,
        description=f"Alert resolved: {_title(alert)}",
        evidence_url=_url(alert.generator_url),
    )
    link = alert_link(incident, f"{origin.key}:{alert.fingerprint}", alert.starts_at)
    if link is not None:
        incident_services.link_update(link=link, details=_with_end(link.details, ended))
    return f"{alert.name} resolved on {incident.ref}"


def _open(endpoint: WebhookEndpoint, alert: Alert, service: Service) -> Incident:
    level = alert.labels.get("severity", "").strip().lower()
    severity = endpoint.severity_map.get(level) or endpoint.default_severity
    return incident_services.incident_declare(
        organization=endpoint.organization,
        actor=None,
        title=_title(alert)[:200],
        severity=severity,
        started_at=alert.starts_at,
        detected_at=alert.starts_at,
        description=alert.annotations.get("description", ""),
        services=[service.name],
    )


def _title(alert: Alert) -> str:
    return f"{alert.name}: {alert.summary}" if alert.summary else alert.name


def _url(url: str) -> str:
    """The generator URL when it is one a link can keep (http(s), not too long, a host a
    URL field accepts: a bare ``prometheus:9090`` is not one, it stays in the details)."""
    if len(url) > URL_LIMIT or not url.lower().startswith(("http://", "https://")):
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url


def _with_end(details: str, ended: datetime) -> str:
    """The link's details with an "Ended:" line after its "Started:" line (replacing an
    earlier one); every other line kept."""
    lines = [line for line in details.splitlines() if not line.startswith("Ended: ")]
    started = next((i for i, line in enumerate(lines) if line.startswith("Started: ")), -1)
    lines.insert(started + 1, f"Ended: {ended.isoformat()}")
    return "\n".join(lines)


def _details(alert: Alert) -> str:
    lines = [f"Started: {alert.starts_at.isoformat()}"]
    if alert.ends_at:
        lines.append(f"Ends: {alert.ends_at.isoformat()}")
    if alert.generator_url:
        lines.append(f"Source: {alert.generator_url[:URL_LIMIT]}")
    lines += [f"{name}: {url[:URL_LIMIT]}" for name, url in alert.urls if url]
    if alert.values:
        lines.append(f"Values: {alert.values}")
    lines.append("Labels:")
    lines += [f"  {key}={value}" for key, value in sorted(alert.labels.items())]
    return "\n".join(lines)
