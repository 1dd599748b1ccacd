"""An incident is the primary incident of at most one postmortem: the database holds it, the
form, the API and the generation on resolve refuse or reuse, and an admin command finds the
duplicates that older data may hold."""

import threading
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from postmortems import creation
from postmortems.models import Postmortem, PostmortemIncident
from tests.incidents.helpers import api_client
from tests.postmortems.read.helpers import comprehensive, new_postmortem, resolved_incident


@pytest.fixture
def incident(org, engineer):
    return resolved_incident(org, engineer, title="Checkout errors")


@pytest.fixture
def first(org, engineer, incident) -> Postmortem:
    return new_postmortem(org, engineer, incident, title="Checkout review")


def create_page(org_slug: str = "acme") -> str:
    return reverse("postmortem_create", kwargs={"org_slug": org_slug})


# --- The service and the database --------------------------------------------------------------


def test_a_second_postmortem_for_the_same_primary_incident_is_refused(org, engineer, first):
    with pytest.raises(creation.IncidentHasPostmortem) as refusal:
        new_postmortem(org, engineer, first.incident)
    assert refusal.value.postmortem == first
    assert f"PM-{first.number}" in str(refusal.value)
    assert first.incident.ref in str(refusal.value)
    assert Postmortem.objects.count() == 1


def test_the_incident_may_still_be_a_further_incident_of_other_postmortems(org, engineer, first):
    other = resolved_incident(org, engineer, title="Follow-up")
    second = new_postmortem(org, engineer, other, related_incidents=[first.incident])
    assert PostmortemIncident.objects.filter(postmortem=second, incident=first.incident).exists()


def test_the_database_refuses_a_second_primary_postmortem(org, first):
    with pytest.raises(IntegrityError), transaction.atomic():
        Postmortem.objects.create(organization=org, number=99, title="x", incident=first.incident)


def test_postmortems_without_an_incident_are_not_limited(org, engineer):
    new_postmortem(org, engineer)
    new_postmortem(org, engineer)
    assert Postmortem.objects.filter(incident=None).count() == 2


def test_generation_on_resolve_reuses_the_postmortem_people_started(org, engineer, first):
    incident = first.incident
    assert creation.postmortem_generate_for_incident(incident=incident) == first
    assert Postmortem.objects.filter(incident=incident).count() == 1


def test_starting_one_after_the_generated_draft_is_refused(org, engineer, incident):
    comprehensive(org)
    generated = creation.postmortem_generate_for_incident(incident=incident)
    assert generated is not None and generated.generated
    with pytest.raises(creation.IncidentHasPostmortem) as refusal:
        new_postmortem(org, engineer, incident)
    assert refusal.value.postmortem == generated


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_make_one_postmortem_and_one_clear_refusal(org, engineer):
    incident = incident_without_postmortem(org, engineer, "Race")
    comprehensive(org)
    barrier = threading.Barrier(2)
    made, refused, errors = [], [], []

    def worker():
        try:
            with scopes_disabled():
                barrier.wait(timeout=5)
                made.append(new_postmortem(org, engineer, incident).number)
        except creation.IncidentHasPostmortem as refusal:
            refused.append(refusal.postmortem.number)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not errors
    assert len(made) == 1 and refused == made
    assert Postmortem.objects.filter(incident=incident).count() == 1
    assert connection.vendor == "postgresql"


# --- The form ----------------------------------------------------------------------------------


def test_the_picker_marks_incidents_that_have_a_postmortem(client, org, engineer, first):
    fresh = resolved_incident(org, engineer, title="Fresh outage")
    client.force_login(engineer)
    html = client.get(create_page()).content.decode()
    assert f"{first.incident.ref} · has PM-{first.number} · SEV1 · Checkout errors" in html
    assert f"{fresh.ref} · SEV1 · Fresh outage</option>" in html


def test_the_picker_links_to_the_existing_postmortem(client, org, engineer, first):
    client.force_login(engineer)
    response = client.get(create_page() + f"?incident={first.incident.ref}")
    html = response.content.decode()
    detail = reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": first.number})
    assert f'href="{detail}"' in html
    assert "already has" in html and "You can still start another one" not in html


def test_the_form_refuses_a_second_postmortem_naming_the_first(client, org, engineer, first):
    client.force_login(engineer)
    response = client.post(create_page(), {"incident": first.incident.pk})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["incident"])
    assert f"PM-{first.number}" in errors
    detail = reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": first.number})
    assert f'href="{detail}"' in response.content.decode()
    assert Postmortem.objects.count() == 1


def test_the_picker_offers_only_this_organizations_incidents(client, org, other_org, engineer):
    foreign = resolved_incident(other_org, None, title="Globex outage")
    new_postmortem(other_org, None, foreign)
    client.force_login(engineer)
    html = client.get(create_page() + f"?incident={foreign.ref}").content.decode()
    assert "Globex outage" not in html and "already has" not in html
    response = client.post(create_page(), {"incident": foreign.pk})
    assert response.status_code == 400
    assert Postmortem.objects.filter(organization=org).count() == 0


# --- The API -----------------------------------------------------------------------------------


def test_the_api_answers_409_naming_the_existing_postmortem(org, engineer, first):
    api = api_client(org, engineer)
    response = api.post("/api/v1/postmortems", {"incident": first.incident.ref}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["postmortem"] == first.number
    assert f"PM-{first.number}" in body["detail"]
    assert Postmortem.objects.count() == 1


def test_the_api_still_accepts_the_incident_as_a_further_incident(org, engineer, first):
    other = resolved_incident(org, engineer, title="Follow-up")
    api = api_client(org, engineer)
    response = api.post(
        "/api/v1/postmortems",
        {"incident": other.ref, "related_incidents": [first.incident.ref]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["incidents"] == [other.ref, first.incident.ref]


def test_the_api_refuses_another_organizations_incident(org, other_org, engineer):
    foreign = resolved_incident(other_org, None, title="Globex outage")
    api = api_client(org, engineer)
    response = api.post("/api/v1/postmortems", {"incident": foreign.ref}, format="json")
    assert response.status_code == 400
    assert "incident" in response.json()
    assert not Postmortem.objects.exists()


# --- Duplicates from before the constraint -----------------------------------------------------


@pytest.fixture
def without_the_constraint(transactional_db):
    """The table as it was before the constraint, so that duplicates can exist."""
    constraint = next(
        c for c in Postmortem._meta.constraints if c.name == "one_postmortem_per_incident"
    )
    with connection.schema_editor() as editor:
        editor.remove_constraint(Postmortem, constraint)
    yield
    with scopes_disabled():
        Postmortem.objects.all().delete()
    with connection.schema_editor() as editor:
        editor.add_constraint(Postmortem, constraint)


def incident_without_postmortem(org, actor, title: str):
    """A resolved incident without the draft its resolution generates (committed here)."""
    incident = resolved_incident(org, actor, title=title)
    Postmortem.objects.filter(incident=incident).delete()
    return incident


def duplicate(org, incident, number: int, title: str, **extra) -> Postmortem:
    return Postmortem.objects.create(
        organization=org, number=100 + number, title=title, incident=incident, **extra
    )


def test_the_command_lists_duplicates_per_organization_and_changes_nothing(
    org, other_org, engineer, without_the_constraint
):
    with scopes_disabled():
        incident = incident_without_postmortem(org, engineer, "Checkout errors")
        single = incident_without_postmortem(other_org, None, "Globex outage")
        duplicate(org, incident, 1, "Checkout review")
        duplicate(org, incident, 2, "Checkout review again", status="PUBLISHED")
        duplicate(other_org, single, 1, "Globex review")
    out = StringIO()
    call_command("postmortem_duplicates", stdout=out)
    text = out.getvalue()
    assert "acme" in text and incident.ref in text
    assert "PM-101" in text and "PM-102" in text
    assert "globex" not in text
    with scopes_disabled():
        assert Postmortem.objects.filter(incident=incident).count() == 2


def test_the_migration_stops_on_duplicates_and_names_the_command(
    org, engineer, without_the_constraint
):
    from importlib import import_module

    migration = import_module("postmortems.migrations.0008_postmortem_one_per_incident")
    with scopes_disabled():
        incident = incident_without_postmortem(org, engineer, "Checkout errors")
        duplicate(org, incident, 1, "Checkout review")
        migration.refuse_duplicates(apps, None)  # one is fine
        duplicate(org, incident, 2, "Checkout review again")
    with pytest.raises(RuntimeError) as refusal:
        migration.refuse_duplicates(apps, None)
    assert "postmortem_duplicates" in str(refusal.value)


def test_demoting_keeps_the_most_advanced_and_links_the_others(
    org, engineer, without_the_constraint
):
    with scopes_disabled():
        incident = incident_without_postmortem(org, engineer, "Checkout errors")
        draft = duplicate(org, incident, 1, "Checkout review")
        published = duplicate(org, incident, 2, "Checkout review again", status="PUBLISHED")
    out = StringIO()
    call_command("postmortem_duplicates", "--demote", stdout=out)
    with scopes_disabled(), scope(organization=org):
        draft.refresh_from_db()
        published.refresh_from_db()
        assert published.incident == incident and draft.incident is None
        assert PostmortemIncident.objects.filter(postmortem=draft, incident=incident).exists()
        assert Postmortem.objects.count() == 2
    assert "kept PM-102" in out.getvalue()
    again = StringIO()
    call_command("postmortem_duplicates", stdout=again)
    assert "No incident is the primary incident of more than one postmortem" in again.getvalue()
