"""Writes of the generic JSON webhook: its field mapping, checked and saved."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import Service
from organizations import audit
from organizations.models import Severity

from ..intake.models import SourceKind, WebhookEndpoint
from .mapping import FIELDS, STATUS_CHANGES
from .models import FieldMapping
from .paths import PathError, compile_path


def _checked(
    endpoint: WebhookEndpoint,
    paths: dict[str, str],
    fixed_service: Service | None,
    status_values: dict[str, str],
    default_severity: str,
) -> dict[str, str]:
    """The paths (stripped, every field named), or ValidationError naming each field wrong."""
    if endpoint.kind != SourceKind.GENERIC_JSON:
        raise ValidationError("Only a generic JSON webhook has a field mapping.")
    paths = {each.name: (paths.get(each.name) or "").strip() for each in FIELDS}
    errors: dict[str, str] = {}
    for name, path in paths.items():
        try:
            if path:
                compile_path(path)
        except PathError as error:
            errors[f"{name}_path"] = str(error)
    if not paths["incident_id"]:
        errors["incident_id_path"] = "Give the path of the tool's incident id."
    if fixed_service is not None and fixed_service.organization_id != endpoint.organization_id:
        errors["fixed_service"] = "Choose one of the organization's services."
    elif not paths["service"] and fixed_service is None:
        errors["service_path"] = "Give the service's path, or choose a fixed service."
    if paths["status"] and not status_values:
        errors["status_values"] = "Say which status values mean what."
    elif status_values and not paths["status"]:
        errors["status_path"] = "Give the path of the status the table reads."
    elif set(status_values.values()) - set(STATUS_CHANGES):
        errors["status_values"] = "Each value means triggered, acknowledged, resolved or note."
    if default_severity not in Severity.values:
        errors["default_severity"] = "Choose SEV1 to SEV4."
    if errors:
        raise ValidationError(errors)
    return paths


@transaction.atomic
def mapping_save(
    *,
    endpoint: WebhookEndpoint,
    actor: AbstractBaseUser,
    paths: dict[str, str],
    fixed_service: Service | None,
    status_values: dict[str, str],
    default_severity: str,
    severity_map: dict[str, str],
) -> FieldMapping:
    """Save the endpoint's mapping (and its severity table): what the deliveries processed
    from now on (and the ones replayed) are read by."""
    paths = _checked(endpoint, paths, fixed_service, status_values, default_severity)
    record, _ = FieldMapping.objects.select_for_update().get_or_create(
        organization=endpoint.organization, endpoint=endpoint
    )
    before = _described(record, endpoint)
    for name, path in paths.items():
        setattr(record, f"{name}_path", path)
    record.fixed_service = fixed_service
    record.status_values = status_values
    record.save()
    endpoint.default_severity, endpoint.severity_map = default_severity, severity_map
    endpoint.save(update_fields=["default_severity", "severity_map"])
    changes = audit.changes(before, _described(record, endpoint))
    if changes:
        audit.record(
            organization=endpoint.organization,
            actor=actor,
            action="integration.mapping_saved",
            target=endpoint.name,
            details=changes,
        )
    return record


def _described(record: FieldMapping, endpoint: WebhookEndpoint) -> dict[str, str]:
    described = {f"{each.name}_path": getattr(record, f"{each.name}_path") for each in FIELDS}
    return described | {
        "fixed_service": record.fixed_service.name if record.fixed_service else "",
        "status_values": str(record.status_values),
        "default_severity": endpoint.default_severity,
        "severity_map": str(endpoint.severity_map),
    }
