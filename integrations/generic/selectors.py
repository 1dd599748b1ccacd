from organizations.models import Organization

from ..intake.models import SourceKind, WebhookEndpoint
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
