"""The Metrics settings tab: the endpoint (allowed addresses only, its secret never shown
again), PromQL checked by the real Prometheus on save, admins only; and what a member sees
when a capture fails."""

import pytest
from celery.exceptions import Retry
from django.db import connection
from django_scopes import scope

from incidents.models import MetricSeries, Service
from integrations.metrics import services, tasks
from integrations.metrics.models import MetricCapture, MetricQuery, MetricsEndpoint
from organizations.roles import Role
from tests.integrations.metrics.helpers import (
    capture_url,
    detail_url,
    map_without_checking,
    recent_incident,
    settings_url,
)
from tests.integrations.metrics.prometheus_server import ERROR_RATE_QUERY, free_port


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def endpoint_form(base_url: str, **extra) -> dict:
    return {"base_url": base_url, "auth_kind": "none", "username": "", "secret": "", **extra}


def query_form(service: Service, promql: str) -> dict:
    return {
        "service": service.pk,
        "key": "errorRate",
        "name": "Error rate",
        "unit": "%",
        "promql": promql,
    }


def test_an_admin_sets_the_endpoint_and_maps_a_checked_query(admin_client, org, prometheus):
    response = admin_client.post(settings_url(org), endpoint_form(prometheus.url))
    assert response.status_code == 302
    payments = Service.objects.create(organization=org, name="payments")
    response = admin_client.post(
        settings_url(org, "metric_query_add"), query_form(payments, ERROR_RATE_QUERY)
    )
    assert response.status_code == 302
    page = admin_client.get(settings_url(org)).content.decode()
    assert prometheus.url in page and "http_requests_total" in page
    assert MetricQuery.objects.get(organization=org).key == "errorRate"


def test_a_query_prometheus_rejects_names_the_field(admin_client, org, prometheus):
    admin_client.post(settings_url(org), endpoint_form(prometheus.url))
    payments = Service.objects.create(organization=org, name="payments")
    response = admin_client.post(
        settings_url(org, "metric_query_add"), query_form(payments, "sum(rate(http_requests")
    )
    assert response.status_code == 400
    assert "Prometheus rejected the query" in response.context["query_form"].errors["promql"][0]
    assert "parse error" in response.content.decode()
    assert not MetricQuery.objects.filter(organization=org).exists()


def test_a_private_address_is_refused_unless_allowlisted(admin_client, org, settings):
    settings.INTEGRATIONS_INSECURE_HOSTS = []
    for url, problem in (
        ("https://10.1.2.3:9090", "Use a public address"),
        ("http://127.0.0.1:9090", "Use an https:// address"),
        ("https://localhost:9090", "Use a public address"),
    ):
        response = admin_client.post(settings_url(org), endpoint_form(url))
        assert response.status_code == 400
        assert problem in response.context["endpoint_form"].errors["base_url"][0]
    assert not MetricsEndpoint.objects.filter(organization=org).exists()


def test_a_capture_refuses_an_address_no_longer_allowed(client, org, admin, engineer, settings):
    with scope(organization=org):
        services.endpoint_save(
            organization=org, actor=admin, base_url="http://127.0.0.1:9", auth_kind="none"
        )
    incident = recent_incident(org, engineer)
    map_without_checking(org)
    settings.INTEGRATIONS_INSECURE_HOSTS = []
    client.force_login(engineer)
    page = client.post(capture_url(incident), follow=True).content.decode()
    assert "Metrics capture failed: Use an https:// address" in page


def test_the_secret_is_stored_encrypted_and_never_shown_again(admin_client, org, prometheus):
    token = "prom-secret-token-123"  # noqa: S105
    form = endpoint_form(prometheus.url, auth_kind="bearer", secret=token)
    assert admin_client.post(settings_url(org), form).status_code == 302
    page = admin_client.get(settings_url(org)).content.decode()
    assert token not in page and "stored bearer token credential" in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_metricsendpoint")
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("fernet:") and token not in stored
    # Saving again without a secret keeps the stored one.
    assert admin_client.post(settings_url(org), form | {"secret": ""}).status_code == 302
    assert MetricsEndpoint.objects.get(organization=org).secret == token


def test_an_unreachable_endpoint_is_a_clear_failure_on_the_incident_page(
    client, org, admin, engineer
):
    url = f"http://127.0.0.1:{free_port()}"  # a port nobody listens on
    with scope(organization=org):
        services.endpoint_save(organization=org, actor=admin, base_url=url, auth_kind="none")
    incident = recent_incident(org, engineer)
    map_without_checking(org)
    client.force_login(engineer)
    response = client.post(capture_url(incident), follow=True)
    assert response.status_code == 200
    assert f"Metrics capture failed: Could not connect to {url}." in response.content.decode()
    assert not MetricSeries.objects.filter(incident=incident).exists()
    assert "Metrics capture failed" in client.get(detail_url(incident)).content.decode()


@pytest.mark.parametrize(("role", "status"), [(Role.VIEWER, 403), (Role.ENGINEER, 403)])
def test_only_admins_open_the_metrics_settings(client, org, member_factory, role, status):
    client.force_login(member_factory(role, username="m"))
    assert client.get(settings_url(org)).status_code == status
    response = client.post(settings_url(org), endpoint_form("https://p.example.com"))
    assert response.status_code == status


def test_the_tab_is_in_the_admins_settings_nav(admin_client, org):
    page = admin_client.get(settings_url(org)).content.decode()
    assert f'href="{settings_url(org)}"' in page and ">Metrics<" in page


def test_another_organizations_mapping_is_not_found(
    admin_client, org, other_org, member_factory, prometheus
):
    Service.objects.create(organization=other_org, name="payments")
    theirs = map_without_checking(other_org)
    response = admin_client.post(
        settings_url(org, "metric_query_remove", metric_query_id=theirs.pk)
    )
    assert response.status_code == 404
    with scope(organization=other_org):
        assert MetricQuery.objects.filter(pk=theirs.pk).exists()


def test_an_admin_removes_a_mapping(admin_client, org):
    Service.objects.create(organization=org, name="payments")
    mine = map_without_checking(org)
    response = admin_client.post(settings_url(org, "metric_query_remove", metric_query_id=mine.pk))
    assert response.status_code == 302
    assert not MetricQuery.objects.filter(pk=mine.pk).exists()


def test_in_a_worker_an_unreachable_endpoint_is_asked_again_with_backoff(
    org, admin, engineer, monkeypatch
):
    with scope(organization=org):
        services.endpoint_save(
            organization=org,
            actor=admin,
            base_url=f"http://127.0.0.1:{free_port()}",
            auth_kind="none",
        )
    incident = recent_incident(org, engineer)
    map_without_checking(org)
    asked = []

    def retry(*, countdown):
        asked.append(countdown)
        return Retry()

    monkeypatch.setattr(tasks.capture_metrics, "retry", retry)
    with pytest.raises(Retry):
        tasks.capture_metrics(incident.pk)  # as a worker runs it: not eager, first attempt
    assert asked == [tasks.BACKOFF_SECONDS]
    with scope(organization=org):
        assert MetricCapture.objects.get(incident=incident).status == "failed"
