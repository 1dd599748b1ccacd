"""The field mapping of a generic JSON webhook: where, in the JSON a tool posts, each part of a
pager event is found. Written by the organization's admins, checked when saved."""

from django.db import models

from incidents.models import Service
from organizations.models import TenantModel

from ..intake.models import WebhookEndpoint

PATH_LIMIT = 300


def _path(verbose_name: str) -> models.CharField:
    return models.CharField(verbose_name, max_length=PATH_LIMIT, blank=True)


class FieldMapping(TenantModel):
    """One generic endpoint's mapping. Each ``*_path`` is an expression of the path language
    (``integrations.generic.paths``); empty means "not mapped". The endpoint's own
    ``severity_map`` and ``default_severity`` turn the level found into a severity."""

    endpoint = models.OneToOneField(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="field_mapping"
    )
    incident_id_path = _path("incident id")
    event_id_path = _path("event id")
    title_path = _path("title")
    service_path = _path("service")
    # The service of every incident when the service path is empty or finds nothing.
    fixed_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_path = _path("status")
    # {"firing": "triggered", "ok": "resolved"}: a status value (lower case) to a pager change.
    status_values = models.JSONField(default=dict, blank=True)
    level_path = _path("severity level")
    time_path = _path("time")
    url_path = _path("URL")
    note_path = _path("note text")
    responders_path = _path("responder emails")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"mapping of {self.endpoint_id}"
