"""API v1 postmortems (DESIGN §8): resources, filters, creation, saves with versions, errors."""

import pytest
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from guardian.shortcuts import assign_perm

from organizations.roles import Role
from postmortems.models import Postmortem, PostmortemIncident, Revision, Section
from postmortems.permissions import EDIT_PERMISSION
from tests.incidents.helpers import api_client
from tests.postmortems.helpers import POSTMORTEM_FIELDS
from tests.postmortems.read.helpers import (
    XSS,
    assert_inert,
    comprehensive,
    new_postmortem,
    resolved_incident,
    save,
)

SECTION_FIELDS = {"key", "title", "kind", "required", "body"}
LIST_FIELDS = {"count", "next", "previous", "results"}


def url(number: int | None = None) -> str:
    return "/api/v1/postmortems" + (f"/{number}" if number is not None else "")


@pytest.fixture
def api(org, engineer):
    return api_client(org, engineer)


@pytest.fixture
def incident(org, engineer):
    return resolved_incident(org, engineer, title="Checkout errors")


@pytest.fixture
def postmortem(org, engineer, incident) -> Postmortem:
    related = resolved_incident(org, engineer, title="Follow-up errors", severity="SEV3")
    return new_postmortem(org, engineer, incident, related_incidents=[related])


@pytest.fixture
def foreign(other_org, member_factory) -> Postmortem:
    stranger = member_factory(Role.ADMIN, organization=other_org, username="stranger")
    for n in range(3):
        made = new_postmortem(other_org, stranger, title=f"Globex secret review {n}")
    return made


# --- Resources ---------------------------------------------------------------------------------


def test_a_postmortem_has_the_design_fields(api, postmortem, incident, engineer):
    response = api.get(url(postmortem.number))
    assert response.status_code == 200
    data = response.json()
    assert set(data) == POSTMORTEM_FIELDS
    related = PostmortemIncident.objects.get(postmortem=postmortem).incident
    assert data["number"] == postmortem.number
    assert data["status"] == "DRAFT"
    assert data["incident"] == incident.ref
    assert data["incidents"] == [incident.ref, related.ref]
    assert data["severity"] == "SEV1"
    assert data["visibility"] == "ORGANIZATION"
    assert data["author"] == engineer.username
    assert data["version"] == 1
    assert data["published_at"] is None
    assert data["created_at"].endswith(("Z", "+00:00")) or "+" in data["created_at"][-6:]
    keys = list(Section.objects.filter(postmortem=postmortem).values_list("key", flat=True))
    assert [s["key"] for s in data["sections"]] == keys
    assert set(data["sections"][0]) == SECTION_FIELDS
    timeline = next(s for s in data["sections"] if s["key"] == "timeline")
    assert timeline["kind"] == "timeline" and timeline["required"] is True


def test_a_postmortem_without_incident_has_null_incident_and_severity(api, org, engineer):
    blank = new_postmortem(org, engineer, title="Blank")
    data = api.get(url(blank.number)).json()
    assert data["incident"] is None and data["severity"] is None and data["incidents"] == []


def test_the_list_is_paginated_and_bounded(api, org, engineer, count_queries):
    new_postmortem(org, engineer, title="One")
    response = api.get(url())
    assert response.status_code == 200
    assert set(response.json()) == LIST_FIELDS
    small = count_queries(lambda: api.get(url()))
    for n in range(6):
        incident = resolved_incident(org, engineer, title=f"Outage {n}")
        new_postmortem(org, engineer, incident, related_incidents=[incident])
    large = count_queries(lambda: api.get(url()))
    assert large == small
    page = api.get(url(), {"page_size": 2}).json()
    assert page["count"] == 7 and len(page["results"]) == 2 and page["next"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "DRAFT"}, {"Checkout review", "SEV2 review", "Blank"}),
        ({"status": "PUBLISHED"}, set()),
        ({"severity": "SEV2"}, {"SEV2 review"}),
        ({"author": "engineer"}, {"Checkout review", "SEV2 review"}),
        ({"q": "checkout"}, {"Checkout review"}),
    ],
)
def test_list_filters(api, org, engineer, admin_user, query, expected):
    incident = resolved_incident(org, engineer, title="Checkout errors")
    new_postmortem(org, engineer, incident, title="Checkout review")
    other = resolved_incident(org, engineer, title="Slow", severity="SEV2")
    new_postmortem(org, engineer, other, title="SEV2 review")
    new_postmortem(org, admin_user, title="Blank")
    results = api.get(url(), query).json()["results"]
    assert {r["title"] for r in results} == expected


def test_list_filter_by_incident_matches_primary_and_related(api, postmortem, org, engineer):
    related = PostmortemIncident.objects.get(postmortem=postmortem).incident
    new_postmortem(org, engineer, title="Unrelated")
    for ref in (postmortem.incident.ref, related.ref):
        results = api.get(url(), {"incident": ref}).json()["results"]
        assert [r["number"] for r in results] == [postmortem.number]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "DONE"}, "status"),
        ({"severity": "SEV9"}, "severity"),
        ({"incident": "x"}, "incident"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(api, query, field):
    response = api.get(url(), query)
    assert response.status_code == 400
    assert field in response.json()


# --- Creating ----------------------------------------------------------------------------------


def test_create_from_an_incident_with_a_builtin_template_and_related_incidents(
    api, org, engineer, incident
):
    comprehensive(org)
    other = resolved_incident(org, engineer, title="Second outage")
    response = api.post(
        url(),
        {
            "title": "Checkout review",
            "incident": incident.ref,
            "template": "lightweight",
            "related_incidents": [other.ref],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert response["Location"] == reverse(
        "api:postmortem_detail", kwargs={"number": data["number"]}
    )
    assert data["title"] == "Checkout review"
    assert data["incidents"] == [incident.ref, other.ref]
    assert data["author"] == engineer.username
    created = Postmortem.objects.get(organization=org, number=data["number"])
    assert created.template.builtin_key == "lightweight" and not created.generated
    keys = list(created.template.sections.values_list("key", flat=True))
    assert [s["key"] for s in data["sections"]] == keys
    assert Revision.objects.filter(postmortem=created).count() == 1


def test_create_by_template_name_and_defaults(api, org, incident):
    comprehensive(org)
    data = api.post(url(), {"incident": incident.ref, "template": "Standard"}, format="json").json()
    assert data["title"] == f"{incident.ref}: {incident.title}"
    assert "impact" in [s["key"] for s in data["sections"]]
    another = resolved_incident(org, None, title="Another outage")
    default = api.post(url(), {"incident": another.ref}, format="json").json()
    assert "executive-summary" in [s["key"] for s in default["sections"]]  # SEV1 → Comprehensive


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"incident": "INC-2026-9999"}, "incident"),
        ({"related_incidents": ["INC-1999-0001"]}, "related_incidents"),
        ({"template": "No such template"}, "template"),
        ({"status": "PUBLISHED"}, "status"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(api, org, payload, field):
    comprehensive(org)
    response = api.post(url(), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Postmortem.objects.filter(organization=org).exists()


def test_create_cannot_name_another_organizations_incident(api, org, other_org, member_factory):
    comprehensive(org)
    stranger = member_factory(Role.ADMIN, organization=other_org, username="stranger")
    for n in range(3):
        theirs = resolved_incident(other_org, stranger, title=f"Globex {n}")
    response = api.post(url(), {"incident": theirs.ref}, format="json")
    assert response.status_code == 400 and "incident" in response.json()


def test_viewers_may_not_create(org, viewer):
    response = api_client(org, viewer).post(url(), {"title": "Mine"}, format="json")
    assert response.status_code == 403
    assert not Postmortem.objects.filter(organization=org).exists()


# --- Saving ------------------------------------------------------------------------------------


def test_patch_saves_title_and_sections_and_bumps_the_version(api, postmortem):
    response = api.patch(
        url(postmortem.number),
        {
            "version": 1,
            "title": "Checkout outage review",
            "sections": {"executive-summary": "Checkout **failed**.", "root-cause": "A migration."},
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["version"] == 2
    assert data["title"] == "Checkout outage review"
    bodies = {s["key"]: s["body"] for s in data["sections"]}
    assert bodies["executive-summary"] == "Checkout **failed**."
    assert Section.objects.get(postmortem=postmortem, key="root-cause").body == "A migration."
    latest = Revision.objects.filter(postmortem=postmortem).order_by("-number").first()
    assert set(latest.changed_sections) == {"executive-summary", "root-cause", "title"}


def test_bodies_are_stored_and_returned_verbatim_and_render_inert(
    api, client, org, engineer, postmortem
):
    body = f"  {XSS}\n\n  trailing spaces kept  \n"
    response = api.patch(
        url(postmortem.number), {"version": 1, "sections": {"root-cause": body}}, format="json"
    )
    assert response.status_code == 200
    returned = {s["key"]: s["body"] for s in api.get(url(postmortem.number)).json()["sections"]}
    assert returned["root-cause"] == body  # raw markdown as data, not HTML
    assert response["Content-Type"] == "application/json"
    client.force_login(engineer)
    page = client.get(reverse("postmortem_detail", args=[org.slug, postmortem.number]))
    assert_inert(page.content.decode())


def test_a_stale_version_is_a_409_with_the_current_version(api, postmortem, engineer):
    save(postmortem, engineer, sections={"root-cause": "Someone else's text"})
    response = api.patch(
        url(postmortem.number), {"version": 1, "sections": {"root-cause": "Mine"}}, format="json"
    )
    assert response.status_code == 409
    data = response.json()
    assert set(data) == {"detail", "current_version"}
    assert data["current_version"] == 2
    assert (
        Section.objects.get(postmortem=postmortem, key="root-cause").body == "Someone else's text"
    )


def test_patch_needs_edit_rights(org, postmortem, viewer, member_factory):
    outsider = member_factory(Role.ENGINEER, username="not-invited")
    for user in (viewer, outsider):
        response = api_client(org, user).patch(
            url(postmortem.number), {"version": 1, "title": "Taken over"}, format="json"
        )
        assert response.status_code == 403, user.username
    postmortem.refresh_from_db()
    assert postmortem.version == 1


def test_invited_editors_and_admins_may_patch(org, postmortem, admin_user, member_factory):
    invited = member_factory(Role.ENGINEER, username="invited")
    assign_perm(EDIT_PERMISSION, invited, postmortem)
    for version, user in enumerate((invited, admin_user), start=1):
        response = api_client(org, user).patch(
            url(postmortem.number), {"version": version, "title": f"By {user}"}, format="json"
        )
        assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "No version"}, "version"),
        ({"version": 1}, "non_field_errors"),
        ({"version": 1, "sections": {"no-such-section": "x"}}, "sections"),
        ({"version": 1, "sections": {"root-cause": "x" * (200 * 1024 + 1)}}, "sections"),
        ({"version": 1, "sections": {"root-cause": 12}}, "sections"),
        ({"version": 1, "sections": ["root-cause"]}, "sections"),
        ({"version": 1, "title": ""}, "title"),
        ({"version": 1, "status": "PUBLISHED"}, "status"),
        ({"version": "one", "title": "x"}, "version"),
    ],
)
def test_patch_refuses_bad_input_naming_the_field(api, postmortem, payload, field):
    response = api.patch(url(postmortem.number), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    postmortem.refresh_from_db()
    assert postmortem.version == 1


def test_the_400_names_the_offending_section(api, postmortem):
    response = api.patch(
        url(postmortem.number),
        {"version": 1, "sections": {"root-cause": "x" * (200 * 1024 + 1)}},
        format="json",
    )
    assert "root-cause" in response.json()["sections"]
    assert "limit is 200 KB" in response.json()["sections"]["root-cause"][0]
    response = api.patch(
        url(postmortem.number), {"version": 1, "sections": {"nope": "x"}}, format="json"
    )
    assert response.json()["sections"] == {"nope": ["No such section."]}


# --- Tenancy and authentication ----------------------------------------------------------------


def test_another_organizations_postmortem_is_a_404_for_every_method(api, org, foreign):
    assert not Postmortem.objects.filter(organization=org, number=foreign.number).exists()
    for method in ("get", "patch", "put", "delete", "post"):
        response = getattr(api, method)(
            url(foreign.number), {"version": 1, "title": "Taken over"}, format="json"
        )
        assert response.status_code == 404, method
        assert b"Globex" not in response.content
    foreign.refresh_from_db()
    assert foreign.version == 1 and foreign.title.startswith("Globex")


def test_the_list_never_shows_another_organizations_postmortems(api, foreign):
    response = api.get(url(), {"q": "Globex"})
    assert response.json()["count"] == 0


def test_no_token_is_a_401(client, postmortem):
    assert client.get(url()).status_code == 401
    assert client.get(url(postmortem.number)).status_code == 401


def test_schema_stays_valid_and_describes_postmortems(client):
    response = client.get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert {"/api/v1/postmortems", "/api/v1/postmortems/{number}"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/postmortems/{number}"]) >= {"get", "patch"}
    assert set(schema["components"]["schemas"]["Postmortem"]["properties"]) == POSTMORTEM_FIELDS
    patch = schema["paths"]["/api/v1/postmortems/{number}"]["patch"]
    assert "409" in patch["responses"]
