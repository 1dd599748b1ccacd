"""The PagerDuty import settings tab: the key stored encrypted and shown masked, bad input
refused naming the field, an import started from the page with its progress shown (and
polled while it runs), admins only, and another organization's import not found."""

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scope

from incidents.models import Incident
from integrations.pagerduty_import import services
from integrations.pagerduty_import.models import (
    ImportStatus,
    PagerDutyImport,
    PagerDutyImportSettings,
)
from organizations.roles import Role


def url(org, name: str = "settings_pagerduty_import", **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def settings_form(address: str, **extra) -> dict:
    return {
        "api_key": "u+secret-key-1234",
        "base_url": address,
        "default_severity": "SEV3",
        "severity_map": "P1 = SEV1\nhigh = sev2",
        **extra,
    }


def start_form(**extra) -> dict:
    return {"since": "2025-03-01", "until": "2025-03-31", **extra}


def queued_run(org, admin) -> PagerDutyImport:
    """A run as "Start import" makes it; its task is never run here."""
    with scope(organization=org):
        return services.import_start(
            organization=org, actor=admin, since=date(2025, 3, 1), until=date(2025, 3, 31)
        )


def test_an_admin_saves_the_key_which_is_stored_encrypted_and_shown_masked(
    admin_client, org, pagerduty
):
    response = admin_client.post(url(org), settings_form(pagerduty.url))
    assert response.status_code == 302

    page = admin_client.get(url(org)).content.decode()
    assert "u+secret-key-1234" not in page and "••••••••1234" in page
    assert pagerduty.url in page and "high = SEV2" in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM integrations_pagerdutyimportsettings")
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("fernet:") and "secret-key" not in stored
    # Saved again without a key, the stored one stays.
    assert admin_client.post(url(org), settings_form(pagerduty.url, api_key="")).status_code == 302
    config = PagerDutyImportSettings.objects.get(organization=org)
    assert config.api_key == "u+secret-key-1234"
    assert config.severity_map == {"p1": "SEV1", "high": "SEV2"}


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"api_key": ""}, "api_key", "Enter the REST API key."),
        ({"base_url": "not a url"}, "base_url", "Enter a valid URL."),
        ({"base_url": "https://10.0.0.7"}, "base_url", "Use a public address"),
        ({"severity_map": "P1 SEV1"}, "severity_map", "Line 1: write “urgency or priority = SEV1”"),
        ({"severity_map": "P1 = SEV9"}, "severity_map", "Line 1"),
        ({"default_severity": "SEV0"}, "default_severity", "Select a valid choice"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(
    admin_client, org, pagerduty, change, field, problem
):
    response = admin_client.post(url(org), settings_form(pagerduty.url, **change))

    assert response.status_code == 400
    assert problem in " ".join(response.context["settings_form"].errors[field])
    assert not PagerDutyImportSettings.objects.filter(organization=org).exists()


def test_an_import_is_started_from_the_page_and_its_progress_shown(
    admin_client, org, configured, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url(org, "pagerduty_import_start"), start_form())
    assert response.status_code == 302 and response["Location"].endswith("#imports")

    page = admin_client.get(url(org)).content.decode()
    assert "Done" in page and "120 incidents read" in page and "120 created" in page
    assert "hx-trigger" not in page  # nothing running: nothing polled
    assert Incident.objects.filter(organization=org).count() == 120


def test_a_refused_key_is_shown_in_plain_words(
    admin_client, org, configured, django_capture_on_commit_callbacks
):
    configured.api_key = "u+revoked"
    configured.save()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url(org, "pagerduty_import_start"), start_form())

    page = admin_client.get(url(org)).content.decode()
    assert "PagerDuty refused the API key (401)" in page
    assert "Resume" in page


@pytest.mark.parametrize(
    ("form", "field", "problem"),
    [
        (start_form(since=""), "since", "This field is required."),
        (start_form(until="2025-02-01"), "until", "The end comes before the start."),
        (start_form(since="2020-01-01", until="2025-01-01"), "until", "at most three years"),
        (start_form(since="someday"), "since", "Enter a valid date."),
    ],
)
def test_a_bad_range_is_refused_naming_the_field(
    admin_client, org, configured, form, field, problem
):
    response = admin_client.post(url(org, "pagerduty_import_start"), form)

    assert response.status_code == 400
    assert problem in " ".join(response.context["start_form"].errors[field])
    assert not PagerDutyImport.objects.filter(organization=org).exists()


def test_an_import_needs_the_key_and_only_one_runs_at_a_time(admin_client, org, configured):
    PagerDutyImportSettings.objects.filter(organization=org).delete()
    response = admin_client.post(url(org, "pagerduty_import_start"), start_form())
    assert response.status_code == 400
    assert "Save the API key" in response.context["start_form"].errors["since"][0]

    admin_client.post(url(org), settings_form(configured.base_url))
    assert admin_client.post(url(org, "pagerduty_import_start"), start_form()).status_code == 302
    response = admin_client.post(url(org, "pagerduty_import_start"), start_form())
    assert response.status_code == 400
    assert "already running" in response.context["start_form"].errors["since"][0]


def test_a_running_import_is_polled_and_can_be_cancelled(admin_client, org, admin, configured):
    run = queued_run(org, admin)

    page = admin_client.get(url(org)).content.decode()
    assert f'hx-get="{url(org, "pagerduty_import_runs")}"' in page and "Queued" in page
    panel = admin_client.get(url(org, "pagerduty_import_runs"), HTTP_HX_REQUEST="true")
    assert panel.status_code == 200 and 'id="imports"' in panel.content.decode()
    assert "<html" not in panel.content.decode()

    response = admin_client.post(url(org, "pagerduty_import_cancel", run_id=run.pk))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.CANCELLED


def test_the_page_runs_a_bounded_number_of_queries(
    admin_client, org, admin, configured, django_assert_max_num_queries
):
    with scope(organization=org):
        for _ in range(25):
            PagerDutyImport.objects.create(
                organization=org,
                since=configured.updated_at,
                until=configured.updated_at,
                window_since=configured.updated_at,
                created_by=admin,
                status=ImportStatus.DONE,
            )
    with django_assert_max_num_queries(12):
        response = admin_client.get(url(org))
    assert response.content.decode().count("Resume") == 0


def test_the_empty_state_and_the_tab_in_the_settings_nav(admin_client, org):
    page = admin_client.get(url(org)).content.decode()

    assert "No imports yet." in page and "Save the API key first." in page
    assert f'href="{url(org)}"' in page and ">PagerDuty import<" in page


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER])
def test_only_admins_reach_the_importer(client, org, admin, configured, member_factory, role):
    run = queued_run(org, admin)
    client.force_login(member_factory(role, username="m"))

    assert client.get(url(org)).status_code == 403
    assert client.post(url(org), settings_form("https://api.pagerduty.com")).status_code == 403
    assert client.post(url(org, "pagerduty_import_start"), start_form()).status_code == 403
    assert client.post(url(org, "pagerduty_import_cancel", run_id=run.pk)).status_code == 403
    run.refresh_from_db()
    assert run.status == ImportStatus.QUEUED


def test_another_organizations_import_is_not_found(admin_client, org, other_org):
    with scope(organization=other_org):
        theirs = PagerDutyImport.objects.create(
            organization=other_org,
            since="2025-03-01T00:00Z",
            until="2025-04-01T00:00Z",
            window_since="2025-03-01T00:00Z",
            status=ImportStatus.FAILED,
        )

    for name in ("pagerduty_import_resume", "pagerduty_import_cancel"):
        assert admin_client.post(url(org, name, run_id=theirs.pk)).status_code == 404
    with scope(organization=other_org):
        assert PagerDutyImport.objects.get(pk=theirs.pk).status == ImportStatus.FAILED
