"""Every settings page of the demo organization, each holding something to show: the pages the
accessibility and phone-width tests walk through."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_scopes import scopes_disabled

from identity.models import EmailDomain, IdentityProvider, Protocol, ScimToken
from incidents.models import Service
from integrations.generic.models import FieldMapping
from integrations.intake.models import WebhookEndpoint
from integrations.metrics.models import MetricQuery, MetricsEndpoint
from integrations.pagerduty_import.models import (
    ImportStatus,
    PagerDutyImport,
    PagerDutyImportSettings,
)
from organizations.models import Organization, Team
from organizations.roles import Role
from organizations.services import api_token_create, hash_token
from postmortems.models import Template

SETTINGS = "/o/acme/settings/"


def fill_settings() -> None:
    """What an organization a while in use holds on the tabs the demo leaves empty: an API
    token, a claimed domain, a draft identity provider, a SCIM token, a Prometheus query and a
    finished PagerDuty import."""
    with scopes_disabled():
        acme = Organization.objects.get(slug="acme")
        alice = get_user_model().objects.get(username="alice")
        api_token_create(organization=acme, user=alice, name="Deploy pipeline")
        EmailDomain.objects.create(
            organization=acme, domain="acme.example", verification_token="a1b2c3d4e5f6"
        )
        IdentityProvider.objects.create(
            organization=acme,
            protocol=Protocol.OIDC,
            name="Acme SSO",
            issuer_url="https://login.acme.example",
            client_id="hindsight",
            client_secret="secret",
            scopes="openid email profile",
            default_role=Role.VIEWER,
        )
        ScimToken.objects.create(
            organization=acme, prefix="scim_1a2b", token_hash=hash_token("scim of acme")
        )
        MetricsEndpoint.objects.create(organization=acme, base_url="https://prom.acme.example")
        MetricQuery.objects.create(
            organization=acme,
            service=Service.objects.filter(organization=acme).first(),
            key="errorRate",
            name="Error rate",
            unit="%",
            promql='sum(rate(http_requests_total{status=~"5.."}[5m]))',
        )
        PagerDutyImportSettings.objects.create(organization=acme, api_key="pd-key")
        now = timezone.now()
        PagerDutyImport.objects.create(
            organization=acme,
            status=ImportStatus.DONE,
            since=now - timedelta(days=30),
            until=now,
            window_since=now,
            incidents_seen=8,
            incidents_created=4,
            errors=1,
            last_error="Unknown service “billing”",
            finished_at=now,
        )


def settings_pages() -> list[str]:
    """Every settings page (each tab, and the pages a tab's rows open) with the demo's rows."""
    with scopes_disabled():
        template = Template.objects.filter(organization__slug="acme").order_by("pk").first()
        team = Team.objects.filter(organization__slug="acme").order_by("pk").first()
        endpoint = WebhookEndpoint.objects.filter(
            organization__slug="acme", pk__in=FieldMapping.objects.values("endpoint")
        ).first()
    pages = [
        "",
        "templates/",
        "templates/new/",
        f"templates/{template.pk}/",
        f"templates/{template.pk}/preview/",
        f"templates/{template.pk}/retire/",
        "members/",
        "members/dave/remove/",
        "teams/",
        f"teams/{team.pk}/",
        f"teams/{team.pk}/delete/",
        "tokens/",
        "sign-in/",
        "domains/",
        "security/",
        "provisioning/",
        "integrations/",
        f"integrations/endpoints/{endpoint.pk}/mapping/",
        "metrics/",
        "pagerduty-import/",
        "issue-trackers/",
        "audit/",
    ]
    return [SETTINGS + page for page in pages]
