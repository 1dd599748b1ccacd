"""Reads for the metrics source."""

from incidents.models import Incident, IncidentService
from organizations.models import Organization

from .models import MetricCapture, MetricQuery, MetricsEndpoint


def endpoint_for(organization: Organization) -> MetricsEndpoint | None:
    return MetricsEndpoint.objects.filter(organization=organization).first()


def queries_for(organization: Organization) -> list[MetricQuery]:
    return list(MetricQuery.objects.filter(organization=organization).select_related("service"))


def query_by_id(organization: Organization, query_id: int) -> MetricQuery | None:
    return MetricQuery.objects.filter(organization=organization, pk=query_id).first()


def queries_for_incident(incident: Incident) -> list[MetricQuery]:
    """The mapped series of the incident's services."""
    service_ids = IncidentService.objects.filter(incident=incident).values("service_id")
    return list(
        MetricQuery.objects.filter(
            organization=incident.organization, service_id__in=service_ids
        ).select_related("service")
    )


def capture_for(incident: Incident) -> MetricCapture | None:
    return MetricCapture.objects.filter(
        organization=incident.organization, incident=incident
    ).first()
