from organizations.models import Organization

from ..intake.models import InboundDelivery, SourceKind, WebhookEndpoint
from .mapping import FIELDS, Mapping
from .models import FieldMapping


def field_mapping(endpoint: WebhookEndpoint) -> FieldMapping | None:
    return (
        FieldMapping.objects.filter(organization=endpoint.organization_id, endpoint=endpoint)
        .select_related("fixed_service")
        .first()
    )


def mapping_of(endpoint: WebhookEndpoint) -> Mapping | None:
    """The endpoint's mapping as the reader takes it; None while none is saved."""
    record = field_mapping(endpoint)
    return as_mapping(record) if record else None


def as_mapping(record: FieldMapping) -> Mapping:
    return Mapping(
        paths={each.name: getattr(record, f"{each.name}_path") for each in FIELDS},
        status_values=record.status_values,
        fixed_service=record.fixed_service.name if record.fixed_service else "",
    )


def mapped_endpoint_ids(organization: Organization) -> set[int]:
    """The organization's generic endpoints that have a mapping (the others' cards say so)."""
    return set(
        FieldMapping.objects.filter(
            organization=organization, endpoint__kind=SourceKind.GENERIC_JSON
        ).values_list("endpoint_id", flat=True)
    )


RECENT_DELIVERIES = 5


def recent_deliveries(endpoint: WebhookEndpoint) -> list[InboundDelivery]:
    """The endpoint's latest deliveries, without their bodies (to try the mapping on)."""
    return list(
        InboundDelivery.objects.filter(organization=endpoint.organization_id, endpoint=endpoint)
        .defer("body")
        .order_by("-received_at", "-id")[:RECENT_DELIVERIES]
    )


def delivery_body(endpoint: WebhookEndpoint, delivery_id: str) -> str | None:
    """The body of one of the endpoint's deliveries; None when it has no such delivery."""
    if not str(delivery_id).isdigit():
        return None
    return (
        InboundDelivery.objects.filter(
            organization=endpoint.organization_id, endpoint=endpoint, pk=int(delivery_id)
        )
        .values_list("body", flat=True)
        .first()
    )
