"""The whole integrations flow in Chromium, against the live server and a real Prometheus:
a deploy job tells of a release, Alertmanager fires for the service and an incident opens with
the alert linked; the commander sees the release among the suspect changes and marks it as the
cause; the alert resolves, the commander resolves the incident, and the generated draft shows
the alert, the release as a cause and the error-rate chart of the series Prometheus held."""

import copy
import re
from datetime import timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from config.celery import app as celery_app
from incidents.models import Incident, LinkType, MetricSeries, Relationship
from integrations.deploys.models import Release
from integrations.intake.models import SourceKind
from integrations.metrics import services as metrics_services
from organizations.models import PostmortemPolicy
from organizations.roles import Role
from postmortems.models import Postmortem
from postmortems.services import templates_install_builtins
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.integrations.conftest import documented_payload, make_endpoint, resolved
from tests.integrations.metrics.helpers import configure


@pytest.fixture
def acme(transactional_db, monkeypatch, prometheus):
    """Acme, where Ada (an admin) commands; its Prometheus maps the payments service's error
    rate and latency; its policy asks a postmortem of every SEV1. Tasks run in process (the
    live server's request runs what it queues) and captures take a few seconds around the
    incident, the window this Prometheus has samples for."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
    monkeypatch.setattr(metrics_services, "MARGIN_BEFORE", timedelta(seconds=10))
    monkeypatch.setattr(metrics_services, "MARGIN_AFTER", timedelta(seconds=10))
    org = OrganizationFactory(slug="acme", name="Acme Corporation")
    ada = UserFactory(username="ada")
    MembershipFactory(user=ada, organization=org, role=Role.ADMIN)
    templates_install_builtins(organization=org)
    PostmortemPolicy.objects.update_or_create(organization=org, defaults={"severities": ["SEV1"]})
    configure(org, ada, prometheus.url)
    return org, ada


def post(base_url: str, endpoint, secret: str, payload: dict) -> None:
    """POST to the endpoint over HTTP as the sender does; the delivery is processed before the
    answer comes (the tasks run in process)."""
    response = requests.post(
        f"{base_url}/hooks/{endpoint.public_id}/",
        json=payload,
        headers={"Authorization": f"Bearer {secret}"},
        timeout=20,
    )
    assert response.status_code == 202, response.text


def firing_alert(service: str, starts_at) -> dict:
    """Alertmanager's documented v4 notification: one alert of ``service``."""
    payload = copy.deepcopy(documented_payload())
    payload["alerts"] = payload["alerts"][:1]
    alert = payload["alerts"][0]
    alert["labels"]["service"] = service
    alert["startsAt"] = starts_at.isoformat()
    return payload


def test_release_alert_cause_resolution_and_the_draft(page, live_server, acme):
    org, ada = acme
    deploys, deploy_secret = make_endpoint(org, ada, kind=SourceKind.RELEASE, name="Deploy job")
    alerts, alert_secret = make_endpoint(org, ada, name="Production Alertmanager")
    # Impact begins seconds ago: Prometheus holds samples for the last few seconds only.
    impact = timezone.now().replace(microsecond=0) - timedelta(seconds=5)
    release_time = impact - timedelta(minutes=12)
    release = {
        "service": "payments",
        "version": "v2.4.0",
        "url": "https://ci.example.com/builds/981",
        "time": release_time.isoformat(),
        "id": "build-981",
    }
    post(live_server.url, deploys, deploy_secret, release)
    assert Release.objects.get(organization=org).version == "v2.4.0"

    firing = firing_alert("payments", impact)
    post(live_server.url, alerts, alert_secret, firing)
    incident = Incident.objects.get(organization=org)
    assert incident.severity == "SEV1"  # severity="critical", by the endpoint's table
    incident_url = reverse("incident_detail", kwargs={"org_slug": "acme", "ref": incident.ref})

    # The incident page: the alert linked, the release a suspect change; marked without a reload.
    log_in(page, "ada")
    page.goto(incident_url)
    evidence = page.locator("#links")
    expect(evidence).to_contain_text("HighErrorRate: High request error rate")
    suspects = page.locator("#suspect-changes")
    expect(suspects).to_contain_text("v2.4.0")
    expect(suspects).to_contain_text("12\xa0minutes before impact")
    page.evaluate("window.__samePage = true")
    suspects.get_by_role("button", name="Mark as cause").click()
    expect(page.locator("#suspect-changes")).to_contain_text("Linked as cause")
    expect(page.locator("#suspect-changes").get_by_role("button")).to_have_count(0)
    cause = page.locator("#links .link-item", has_text="payments v2.4.0")
    expect(cause.locator(".rel--caused_by")).to_have_text("Caused by")
    assert page.evaluate("window.__samePage") is True
    link = incident.links.get(type=LinkType.RELEASE)
    assert (link.relationship, link.url) == (Relationship.CAUSED_BY, release["url"])

    # The alert resolves; its link shows when it ended. Ada resolves the incident.
    post(live_server.url, alerts, alert_secret, resolved(firing))
    page.reload()
    alert = page.locator("#links .link-item", has_text="HighErrorRate")
    alert.locator("summary", has_text="Details").click()
    expect(alert.locator("pre")).to_contain_text(f"Ended: {resolved_end(incident)}")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".flash--success")).to_contain_text("is now resolved")

    # The draft generated at resolution: the alert, the release as a cause, the chart.
    draft = Postmortem.objects.get(incident=incident, generated=True)
    series = MetricSeries.objects.get(incident=incident, key="errorRate")
    assert len(series.points) >= 5
    assert all(abs(value - 3.0) < 0.01 for _, value in series.points)  # 3 errors in 100
    page.get_by_role("link", name=draft.title).click()
    expect(page).to_have_url(re.compile(rf"/o/acme/postmortems/{draft.number}/$"))
    document = page.locator("main")
    expect(document.locator(".doc-evidence", has_text="Alert")).to_contain_text("HighErrorRate")
    release_item = document.locator(".doc-evidence__item", has_text="payments v2.4.0")
    expect(release_item.locator(".rel--caused_by")).to_have_text("Caused by")
    chart = document.locator("figure.chart-figure svg", has_text="Error rate")
    expect(chart).to_be_visible()
    drawn = chart.locator("polyline").get_attribute("points").split()
    assert len(drawn) == len(series.points)

    # The editor's linked evidence loads the suspect changes once drawn: the release, linked.
    page.goto(f"{live_server.url}/o/acme/postmortems/{draft.number}/edit/")
    editor_suspects = page.locator("#suspect-changes")
    expect(editor_suspects).to_contain_text("v2.4.0")
    expect(editor_suspects).to_contain_text("Linked as cause")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def resolved_end(incident) -> str:
    """The end the alert's link records (Alertmanager's endsAt, as stored)."""
    details = incident.links.get(type=LinkType.ALERT).details
    return re.search(r"^Ended: (.+)$", details, re.MULTILINE).group(1)
