"""Filters: a date range that cannot hold anything (its start after its end) says so on every
list, in the API a 400 naming the parameter; ``status=all`` works wherever ``status=any`` does."""

import pytest
from django.urls import reverse

from postmortems.models import PostmortemStatus
from tests.incidents.helpers import api_client, declare
from tests.postmortems.search.helpers import page, write

REVERSED = {"date_from": "2026-05-01", "date_to": "2026-04-01"}
REVERSED_MESSAGE = "“From” (2026-05-01) is after “To” (2026-04-01): swap them."


@pytest.fixture
def eng_client(client, engineer):
    client.force_login(engineer)
    return client


def test_the_incident_list_explains_a_reversed_range(eng_client, org, engineer):
    declare(org, engineer, title="Checkout errors")
    response = eng_client.get(reverse("incident_list", args=[org.slug]), REVERSED)
    html = response.content.decode()
    assert response.status_code == 200
    assert REVERSED_MESSAGE in html
    assert "Checkout errors" in html  # the range is set aside meanwhile, not an empty list


def test_the_postmortem_list_explains_a_reversed_range(eng_client, org, engineer):
    write(org, engineer, "Gammaquill review")
    response = eng_client.get(reverse("postmortem_list", args=[org.slug]), REVERSED)
    html = response.content.decode()
    assert "Incident from" in html and "is after" in html
    assert "Gammaquill review" in html


def test_the_audit_log_and_search_use_the_same_message(client, org, admin_user, engineer):
    client.force_login(admin_user)
    audit = client.get(
        reverse("audit_log", args=[org.slug]), {"since": "2026-05-01", "until": "2026-04-01"}
    )
    assert "“From” (2026-05-01) is after “To” (2026-04-01)" in audit.content.decode()


def test_the_incident_api_names_the_parameter_of_a_reversed_range(org, engineer):
    response = api_client(org, engineer).get(
        "/api/v1/incidents", {"started_after": "2026-05-01", "started_before": "2026-04-01"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "started_before": [
            "“started_after” (2026-05-01) is after “started_before” (2026-04-01): swap them."
        ]
    }


def test_search_takes_status_all_like_status_any(eng_client, org, engineer):
    write(org, engineer, "Draft quokkafin review", status=PostmortemStatus.DRAFT)
    for word in ("any", "all"):
        html = page(eng_client, org, q="quokkafin", status=word)
        assert "Draft quokkafin review" in html, word
