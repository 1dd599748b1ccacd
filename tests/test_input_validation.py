"""Untrusted input: a NUL byte (which PostgreSQL refuses in text) or text over the size limit is
a 400 naming the field, in the API and on the pages alike, never a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.models import Incident
from organizations.roles import Role
from organizations.validators import MAX_TEXT_BYTES
from postmortems import creation
from postmortems import services as postmortem_services
from tests.incidents.helpers import api_client, declare

NUL_USERNAME = "eng\x00ineer"
NUL_MESSAGE = "Null and control characters are not allowed."


@pytest.fixture
def api(org, admin_user):
    return api_client(org, admin_user)


@pytest.fixture
def incident(org, admin_user):
    return declare(org, admin_user, title="Checkout errors")


@pytest.fixture
def item(org, admin_user, incident):
    from actionitems import services as item_services
    from postmortems import services as postmortem_services

    postmortem_services.templates_install_builtins(organization=org)
    postmortem = creation.postmortem_create(organization=org, actor=admin_user, incident=incident)
    return item_services.action_item_create(
        postmortem=postmortem, actor=admin_user, description="Alert on the error rate"
    )


DECLARE = {"title": "Checkout errors", "severity": "SEV2", "started_at": "2026-03-10T14:00:00Z"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**DECLARE, "commander": NUL_USERNAME}, "commander"),
        ({**DECLARE, "participants": ["engineer", NUL_USERNAME]}, "participants"),
    ],
)
def test_declaring_with_a_nul_byte_in_a_username_is_a_400_naming_the_field(
    api, engineer, body, field
):
    response = api.post("/api/v1/incidents", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert NUL_MESSAGE in str(response.json()[field])


def test_a_nul_byte_in_the_commander_of_an_update_is_a_400(api, incident):
    response = api.patch(f"/api/v1/incidents/{incident.ref}", {"commander": NUL_USERNAME}, "json")
    assert response.status_code == 400
    assert response.json() == {"commander": [NUL_MESSAGE]}


def test_a_nul_byte_in_an_action_item_owner_is_a_400(api, item):
    response = api.patch(f"/api/v1/action-items/{item.number}", {"owner": NUL_USERNAME}, "json")
    assert response.status_code == 400
    assert response.json() == {"owner": [NUL_MESSAGE]}
    created = api.post(
        f"/api/v1/postmortems/{item.postmortem.number}/action-items",
        {"description": "Page the owner", "owner": NUL_USERNAME},
        format="json",
    )
    assert created.status_code == 400
    assert created.json() == {"owner": [NUL_MESSAGE]}


def test_usernames_still_name_members(api, engineer, item):
    response = api.patch(f"/api/v1/action-items/{item.number}", {"owner": "engineer"}, "json")
    assert response.status_code == 200
    assert response.json()["owner"] == "engineer"


@pytest.mark.parametrize("route", ["incident_list", "postmortem_list", "action_item_tracker"])
def test_a_nul_byte_in_a_page_filter_is_named_and_ignored(client, org, member_factory, route):
    client.force_login(member_factory(Role.ENGINEER))
    for name in ("q", "service", "status", "owner", "date_from", "sort", "page"):
        response = client.get(reverse(route, args=[org.slug]), {name: "pay\x00ments"})
        assert response.status_code == 200, name


def test_a_nul_byte_in_a_posted_form_field_is_a_400_naming_it(client, org, member_factory, item):
    client.force_login(member_factory(Role.ADMIN))
    postmortem = item.postmortem
    response = client.post(
        reverse("postmortem_edit", args=[org.slug, postmortem.number]),
        {"title": "Checkout\x00outage", "version": postmortem.version},
    )
    assert response.status_code == 400
    assert "title" in response.content.decode()
    postmortem.refresh_from_db()
    assert "\x00" not in postmortem.title


def test_a_nul_byte_in_a_page_path_is_a_404(client, org, member_factory):
    client.force_login(member_factory(Role.ENGINEER))
    assert client.get(f"/o/{org.slug}\x00/incidents/").status_code == 404


# --- One size limit for free text ----------------------------------------------------------------

HUGE = "a" * (MAX_TEXT_BYTES + 1)
TOO_LARGE = f"This text is {MAX_TEXT_BYTES // 1024} KB; the limit is {MAX_TEXT_BYTES // 1024} KB."


def test_the_api_caps_an_incidents_description_like_a_section(api):
    response = api.post("/api/v1/incidents", {**DECLARE, "description": HUGE}, format="json")
    assert response.status_code == 400
    assert TOO_LARGE in response.json()["description"][0]
    assert "Move large material to a linked document." in response.json()["description"][0]


def test_the_api_caps_updates_and_timeline_entries(api, incident):
    ref = incident.ref
    patched = api.patch(f"/api/v1/incidents/{ref}", {"description": HUGE}, format="json")
    assert patched.status_code == 400 and list(patched.json()) == ["description"]
    entry = api.post(
        f"/api/v1/incidents/{ref}/timeline",
        {"occurred_at": "2026-03-10T15:00:00Z", "description": HUGE},
        format="json",
    )
    assert entry.status_code == 400 and list(entry.json()) == ["description"]


def test_the_declare_form_caps_the_description(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("incident_declare", args=[org.slug]),
        {"title": "Checkout errors", "severity": "SEV2", "started_at": "2026-03-10T10:30"},
    )
    assert response.status_code == 302  # the form otherwise declares
    response = client.post(
        reverse("incident_declare", args=[org.slug]),
        {
            "title": "Huge",
            "severity": "SEV2",
            "started_at": "2026-03-10T10:30",
            "description": HUGE,
        },
    )
    assert TOO_LARGE in response.content.decode()
    assert not Incident.objects.filter(title="Huge").exists()


def test_sections_keep_the_same_limit_and_message():
    assert postmortem_services.MAX_SECTION_BYTES == MAX_TEXT_BYTES
    with pytest.raises(ValidationError) as refused:
        postmortem_services._check_size("root-cause", HUGE)
    assert TOO_LARGE.replace("text", "section") in refused.value.message_dict["root-cause"][0]


def test_a_template_sections_default_text_takes_the_same_limit():
    with pytest.raises(ValidationError) as refused:
        postmortem_services.template_section_validate(default_text=HUGE)
    assert TOO_LARGE in refused.value.message_dict["default_text"][0]
