"""Reads for the PagerDuty importer."""

from organizations.models import Organization

from .models import ACTIVE_STATUSES, PagerDutyImport, PagerDutyImportSettings

RUNS_SHOWN = 20


def settings_for(organization: Organization) -> PagerDutyImportSettings | None:
    return PagerDutyImportSettings.objects.filter(organization=organization).first()


def runs_of(organization: Organization) -> list[PagerDutyImport]:
    runs = PagerDutyImport.objects.filter(organization=organization).select_related("created_by")
    return list(runs[:RUNS_SHOWN])


def run_by_id(organization: Organization, run_id: int) -> PagerDutyImport | None:
    return PagerDutyImport.objects.filter(organization=organization, pk=run_id).first()


def active_run(organization: Organization) -> PagerDutyImport | None:
    return PagerDutyImport.objects.filter(
        organization=organization, status__in=ACTIVE_STATUSES
    ).first()
