"""The designer's URLs, an incident to preview and the audit trail for the designer tests."""

from datetime import UTC, datetime

from django.urls import reverse
from django_scopes import scope

from incidents import services as incident_services
from incidents.models import Incident
from organizations.models import AuditEntry
from postmortems.models import Template

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def url(name: str, org, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def edit_url(template: Template) -> str:
    return url("template_edit", template.organization, template_id=template.pk)


def declare(org, title="Payments failing", severity="SEV2", **kwargs) -> Incident:
    with scope(organization=org):
        return incident_services.incident_declare(
            organization=org,
            actor=None,
            title=title,
            severity=severity,
            started_at=T0,
            services=["payments-api"],
            **kwargs,
        )


def audit_actions(org) -> list[str]:
    return list(
        AuditEntry.objects.filter(organization=org).order_by("id").values_list("action", flat=True)
    )
