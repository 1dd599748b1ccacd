"""The generic JSON webhook as an intake source: any tool posts a JSON object; the endpoint's
field mapping (written by an admin, ``mapping.py``) reads it into one pager event, which the
pager core applies like PagerDuty's (``pagers.sync``): incidents keyed by the tool's incident
id, so a re-delivery never duplicates.

A body the mapping cannot read (a required value missing, a status value not in its table, a
time far off, a service Hindsight does not know) is quarantined with a reason naming the
mapping's field and its path. A body received before any mapping is saved is quarantined too,
and can be replayed once there is one."""

from collections.abc import Mapping as MappingType
from dataclasses import dataclass

from organizations.models import Organization

from ..intake.errors import Quarantine, json_object
from ..intake.models import WebhookEndpoint
from ..pagers import sync
from ..pagers.selectors import service_named
from .mapping import Mapping, event_from, service_from
from .selectors import mapping_of

NO_MAPPING = (
    "The endpoint has no field mapping yet: write it in Settings → Integrations, then replay "
    "this delivery."
)


@dataclass(frozen=True)
class Reading:
    event: sync.PagerEvent
    service_from: str  # where the service's name came from, for the unknown-service reason


def read(endpoint: WebhookEndpoint, body: bytes, headers: MappingType[str, str]) -> Reading:
    mapping = mapping_of(endpoint)
    if mapping is None:
        raise Quarantine(NO_MAPPING)
    return reading(mapping, json_object(body), body)


def reading(mapping: Mapping, data: dict, body: bytes) -> Reading:
    return Reading(event_from(mapping, data, body=body), service_from(mapping, data))


def event_id(reading: Reading) -> str:
    return reading.event.event_id


def source_key(endpoint: WebhookEndpoint) -> str:
    """The pager core's key of the endpoint's incidents and events (ids are the tool's own,
    so each endpoint keeps its own)."""
    return f"generic:{endpoint.public_id}"


def unknown_service(organization: Organization, reading: Reading) -> str:
    """Why the event's service is refused, or "" when Hindsight has it."""
    name = reading.event.service
    if service_named(organization, name) is not None:
        return ""
    return (
        f"Unknown service “{name}” (from {reading.service_from}): add it in Hindsight or "
        "change the mapping."
    )


def apply(endpoint: WebhookEndpoint, reading: Reading) -> str:
    refused = unknown_service(endpoint.organization, reading)
    if refused:
        raise Quarantine(refused)
    return sync.apply_delivered(
        endpoint, source=source_key(endpoint), name=endpoint.name, event=reading.event
    )
