"""Published postmortems with a summary and lessons, for the digest and required readers."""

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django_scopes import scope, scopes_disabled

from incidents import services as incident_services
from postmortems import creation, services
from postmortems.models import (
    Postmortem,
    PostmortemStatus,
    PostmortemTeam,
    Section,
    Template,
    Visibility,
)

# A Monday morning in Paris (the factories' time zone): the digest covers the week before.
NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
LAST_WEEK = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)


def published(
    org,
    author,
    *,
    title="Checkout outage",
    severity="SEV1",
    services_=("payments-api",),
    visibility=Visibility.ORGANIZATION,
    teams=(),
    at=LAST_WEEK,
    summary="Checkouts failed for 40 minutes after a schema change.",
    went_well="The alert fired within two minutes.",
) -> Postmortem:
    """A Comprehensive postmortem by ``author``, published at ``at``."""
    with scope(organization=org):
        services.templates_install_builtins(organization=org)
        template = Template.objects.get(organization=org, builtin_key="comprehensive")
        incident = incident_services.incident_declare(
            organization=org,
            actor=author,
            title=title,
            severity=severity,
            started_at=at - timedelta(days=2),
            services=list(services_),
        )
        postmortem = creation.postmortem_create(
            organization=org, actor=author, template=template, incident=incident, title=title
        )
    with scopes_disabled():
        Section.objects.filter(postmortem=postmortem, key="executive-summary").update(body=summary)
        Section.objects.filter(postmortem=postmortem, key="went-well").update(body=went_well)
        for team in teams:
            PostmortemTeam.objects.create(organization=org, postmortem=postmortem, team=team)
        Postmortem.objects.filter(pk=postmortem.pk).update(
            status=PostmortemStatus.PUBLISHED, published_at=at, visibility=visibility
        )
        postmortem.refresh_from_db()
    return postmortem


def url(name: str, org, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})
