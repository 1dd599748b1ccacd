"""Capturing an incident's metrics from a real Prometheus: at resolution and from the incident
page, shown by the incident's charts and the postmortem's PDF; replaced, never duplicated."""

from django.utils import timezone
from django_scopes import scope

from incidents import transitions
from incidents.models import MetricSeries
from integrations.metrics.models import MetricCapture
from tests.integrations.metrics.helpers import (
    capture_url,
    configure,
    detail_url,
    recent_incident,
)
from tests.postmortems.exports.helpers import export_url, pdf_text
from tests.postmortems.read.helpers import new_postmortem


def series_of(incident) -> dict[str, MetricSeries]:
    return {s.key: s for s in MetricSeries.objects.filter(incident=incident)}


def test_resolution_stores_the_real_series_and_the_page_charts_them(
    client, org, admin, engineer, prometheus, short_margins, django_capture_on_commit_callbacks
):
    configure(org, admin, prometheus.url)
    incident = recent_incident(org, engineer)
    with django_capture_on_commit_callbacks(execute=True):
        transitions.incident_resolve(incident=incident, actor=engineer, at=timezone.now())

    stored = series_of(incident)
    assert set(stored) == {"errorRate", "latency"}
    error_rate = [value for _, value in stored["errorRate"].points]
    latency = [round(value) for _, value in stored["latency"].points]
    assert len(error_rate) >= 5 and len(latency) >= 5
    assert all(abs(value - 3.0) < 0.01 for value in error_rate)  # 3 errors in every 100
    assert set(latency) <= {100, 150, 200, 250, 300} and len(set(latency)) > 1
    assert stored["latency"].unit == "ms" and stored["errorRate"].name == "Error rate"

    client.force_login(engineer)
    page = client.get(detail_url(incident)).content.decode()
    assert "<title" in page and "Error rate (%)" in page and "Latency (ms)" in page
    assert "2 series captured from Prometheus" in page
    assert "Capture metrics" in page


def test_the_postmortem_pdf_shows_the_captured_chart(
    client, org, admin, engineer, prometheus, short_margins
):
    configure(org, admin, prometheus.url)
    incident = recent_incident(org, engineer)
    client.force_login(engineer)
    assert client.post(capture_url(incident)).status_code == 302
    postmortem = new_postmortem(org, engineer, incident)

    html = client.get(export_url(org, postmortem, "html")).content.decode()
    assert "<svg" in html and "Error rate (%)" in html and "Latency (ms)" in html
    assert "No metric captured" not in html
    text = pdf_text(client.get(export_url(org, postmortem, "pdf")).content)
    assert "Error rate" in text and "No metric captured" not in text
    # The charts' titles and axes, drawn from the real series (3 % errors, 100-300 ms).
    assert "Error rate (%)" in text and "Latency (ms)" in text
    assert "\n300\n" in text


def test_capturing_again_replaces_the_series(
    client, org, admin, engineer, prometheus, short_margins
):
    configure(org, admin, prometheus.url)
    incident = recent_incident(org, engineer)
    client.force_login(engineer)
    client.post(capture_url(incident))
    first = series_of(incident)["latency"]
    client.post(capture_url(incident))

    with scope(organization=org):
        assert MetricSeries.objects.filter(incident=incident).count() == 2
        again = series_of(incident)["latency"]
        assert MetricCapture.objects.filter(incident=incident).count() == 1
    assert again.pk == first.pk
    assert again.points[-1][0] >= first.points[-1][0]


def test_a_viewer_has_no_capture_button_and_may_not_capture(
    client, org, admin, engineer, viewer, prometheus
):
    configure(org, admin, prometheus.url)
    incident = recent_incident(org, engineer)
    client.force_login(viewer)
    assert "Capture metrics" not in client.get(detail_url(incident)).content.decode()
    assert client.post(capture_url(incident)).status_code == 403
    assert not MetricSeries.objects.filter(incident=incident).exists()


def test_another_organizations_incident_is_not_found(
    client, org, other_org, engineer, member_factory
):
    stranger = member_factory(organization=other_org, username="sam")
    incident = recent_incident(org, engineer)
    client.force_login(stranger)
    url = capture_url(incident).replace(f"/o/{org.slug}/", f"/o/{other_org.slug}/")
    assert client.post(url).status_code == 404
