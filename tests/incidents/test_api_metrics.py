"""``POST /api/v1/incidents/{ref}/metrics``: a series from any store, stored for the incident's
charts (replacing the one of the same key); bad points are a 400 naming the field."""

from datetime import timedelta

import pytest
from django_scopes import scope

from incidents.api_metrics import MAX_POINTS
from incidents.models import MetricSeries
from organizations.roles import Role
from tests.incidents.helpers import T0, api_client, declare, url


def series(n: int = 3, key: str = "errorRate") -> dict:
    return {
        "key": key,
        "name": "Error rate",
        "unit": "%",
        "points": [[(T0 + timedelta(minutes=m)).isoformat(), m * 0.5] for m in range(n)],
    }


def test_a_series_is_stored_and_charted(api, org, engineer, client):
    incident = declare(org, engineer)
    response = api.post(url(incident.ref, "metrics"), series(), format="json")
    assert response.status_code == 201
    assert response.json()["key"] == "errorRate" and len(response.json()["points"]) == 3
    listed = api.get(url(incident.ref, "metrics")).json()
    assert [s["key"] for s in listed["results"]] == ["errorRate"]
    client.force_login(engineer)
    chart = client.get(f"/o/{org.slug}/incidents/{incident.ref}/metrics/errorRate.svg")
    assert chart.status_code == 200 and b"Error rate (%)" in chart.content


def test_posting_the_same_key_replaces_the_series(api, org, engineer):
    incident = declare(org, engineer)
    api.post(url(incident.ref, "metrics"), series(3), format="json")
    api.post(url(incident.ref, "metrics"), series(5), format="json")
    with scope(organization=org):
        [stored] = MetricSeries.objects.filter(incident=incident)
    assert len(stored.points) == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": [["yesterday", 1]]}, "points"),
        ({"points": [[T0.isoformat(), "high"]]}, "points"),
        ({"points": [[T0.isoformat()]]}, "points"),
        ({"points": "[]"}, "points"),
        ({"key": "error rate!"}, "key"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, org, engineer, change, field):
    incident = declare(org, engineer)
    response = api.post(url(incident.ref, "metrics"), series() | change, format="json")
    assert response.status_code == 400
    assert field in response.json()
    with scope(organization=org):
        assert not MetricSeries.objects.filter(incident=incident).exists()


def test_too_many_points_are_refused(api, org, engineer):
    incident = declare(org, engineer)
    response = api.post(url(incident.ref, "metrics"), series(MAX_POINTS + 1), format="json")
    assert response.status_code == 400 and "points" in response.json()


@pytest.mark.parametrize(
    ("role", "status"), [(Role.VIEWER, 403), (Role.ENGINEER, 201), (Role.ADMIN, 201)]
)
def test_role_matrix(org, engineer, member_factory, role, status):
    incident = declare(org, engineer)
    client = api_client(org, member_factory(role, username=f"u-{role}"))
    response = client.post(url(incident.ref, "metrics"), series(), format="json")
    assert response.status_code == status


def test_another_organizations_incident_is_not_found(org, other_org, engineer, member_factory):
    incident = declare(org, engineer)
    stranger = api_client(other_org, member_factory(Role.ADMIN, organization=other_org))
    response = stranger.post(url(incident.ref, "metrics"), series(), format="json")
    assert response.status_code == 404
    assert stranger.get(url(incident.ref, "metrics")).status_code == 404
    with scope(organization=org):
        assert not MetricSeries.objects.filter(incident=incident).exists()


def test_without_a_token_it_is_401(org, engineer, client):
    incident = declare(org, engineer)
    response = client.post(url(incident.ref, "metrics"), series(), content_type="application/json")
    assert response.status_code == 401
