"""Admins write a generic endpoint's field mapping on its page; a mapping that cannot be read is
refused with a 400 naming the field; nobody else sees the page, nor another organization's."""

import pytest
from django_scopes import scopes_disabled

from incidents.models import Service
from integrations.generic.models import FieldMapping
from integrations.intake.models import InboundDelivery, SourceKind, WebhookEndpoint
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.integrations.conftest import make_endpoint

from .conftest import PATHS, STATUS_VALUES, form_data

INTEGRATIONS = "/o/acme/settings/integrations/"


def page(hook) -> str:
    return f"{INTEGRATIONS}endpoints/{hook.pk}/mapping/"


def test_an_admin_creates_a_generic_endpoint_and_is_sent_to_its_mapping(
    client, admin_user, checkout
):
    client.force_login(admin_user)
    response = client.post(INTEGRATIONS, {"new-kind": "generic_json", "new-name": "Status tool"})
    hook = WebhookEndpoint.objects.get()
    text = response.content.decode()
    assert hook.kind == SourceKind.GENERIC_JSON
    assert "Authorization: Bearer hs_hook_" in text
    assert f'href="{page(hook)}">write its field mapping</a>' in text
    listing = client.get(INTEGRATIONS).content.decode()
    assert "No mapping yet" in listing and "Write the field mapping" in listing


def test_an_admin_writes_the_mapping_and_sees_it_again(client, admin_user, unmapped, org):
    hook, _ = unmapped
    client.force_login(admin_user)
    assert client.get(page(hook)).status_code == 200

    response = client.post(page(hook), form_data(severity_map="p1 = SEV1\nP2 = sev2"))

    assert response.status_code == 302 and response["Location"] == page(hook)
    saved = FieldMapping.objects.get(endpoint=hook)
    assert {name: getattr(saved, f"{name}_path") for name in PATHS} == PATHS
    assert saved.status_values == STATUS_VALUES
    hook.refresh_from_db()
    assert hook.severity_map == {"p1": "SEV1", "p2": "SEV2"}
    entry = AuditEntry.objects.get(action="integration.mapping_saved")
    assert (
        entry.target == "Status tool" and entry.details["incident_id_path"]["to"] == "$.incident.id"
    )
    shown = client.get(page(hook))
    assert shown.context["form"].initial["incident_id_path"] == "$.incident.id"
    assert "firing = triggered" in shown.content.decode()
    assert "Edit the field mapping" in client.get(INTEGRATIONS).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("incident_id_path", "$.incident.", "Not a path: Parse error near the end of string!"),
        ("event_id_path", "$.event[", "Not a path: Parse error"),
        ("title_path", "incident.title", "Start the path at the body's root “$”"),
        ("service_path", "$..service", "“..” (any depth) is not supported"),
        ("status_path", "$.event[?(@.type)]", "Not a path: Error on line 1, col 8"),
        ("level_path", "$.a where $.b", "“where” is not supported"),
        ("time_path", "$.a | $.b", "Only $, .name"),
        ("url_path", "$.a.`parent`", "“`parent`” is not supported"),
        ("note_path", '$["a","b"]', "Only $, .name"),
        ("responders_path", "$.x" + ".y" * 200, "at most 300 characters"),
        ("incident_id_path", "", "Give the path of the tool's incident id."),
        ("service_path", "", "Give the service's path, or choose a fixed service."),
        ("status_values", "", "Say which status values mean what."),
        ("status_values", "firing triggered", "Line 1: write “value = triggered”"),
        ("status_values", "firing = exploded", "Line 1: write “value = triggered”"),
        ("status_values", "a = note\nA = resolved", "Line 2: “a” is already in the table."),
        ("severity_map", "p1 = SEV9", "Line 1: write “value = SEV1” (SEV1 to SEV4)."),
        ("default_severity", "SEV0", "Select a valid choice"),
        ("fixed_service", "999999", "Select a valid choice"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_field(
    client, admin_user, generic, field, value, message
):
    hook, _ = generic
    before = FieldMapping.objects.values().get(endpoint=hook)
    client.force_login(admin_user)

    response = client.post(page(hook), form_data(**{field: value}))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert "Nothing was saved." in response.content.decode()
    assert FieldMapping.objects.values().get(endpoint=hook) == before


def test_a_status_table_without_its_path_is_refused(client, admin_user, generic):
    hook, _ = generic
    client.force_login(admin_user)
    response = client.post(page(hook), form_data(status_path=""))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "status_path": ["Give the path of the status the table reads."]
    }


def test_a_fixed_service_stands_in_for_the_service_path(client, admin_user, generic, org):
    hook, _ = generic
    payments = Service.objects.create(organization=org, name="payments")
    client.force_login(admin_user)
    response = client.post(page(hook), form_data(service_path="", fixed_service=payments.pk))
    assert response.status_code == 302
    assert FieldMapping.objects.get(endpoint=hook).fixed_service == payments


def test_another_organizations_service_cannot_be_the_fixed_one(
    client, admin_user, generic, other_org
):
    hook, _ = generic
    with scopes_disabled():
        theirs = Service.objects.create(organization=other_org, name="theirs")
    client.force_login(admin_user)
    response = client.post(page(hook), form_data(fixed_service=theirs.pk))
    assert response.status_code == 400
    assert "fixed_service" in response.context["form"].errors


def test_another_kind_of_endpoint_has_no_mapping_page(client, admin_user, org):
    hook, _ = make_endpoint(org, admin_user)  # Alertmanager
    client.force_login(admin_user)
    response = client.get(page(hook))
    assert response.status_code == 302 and response["Location"] == INTEGRATIONS
    assert client.post(page(hook), form_data()).status_code == 302
    assert not FieldMapping.objects.exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.REVIEWER, Role.ENGINEER, Role.VIEWER])
def test_only_admins_see_or_change_the_mapping(client, member_factory, generic, role):
    hook, _ = generic
    before = FieldMapping.objects.values().get(endpoint=hook)
    client.force_login(member_factory(role))
    assert client.get(page(hook)).status_code == 403
    assert client.post(page(hook), form_data(title_path="$.x")).status_code == 403
    assert client.post(f"{page(hook)}try/", form_data(sample="{}")).status_code == 403
    assert FieldMapping.objects.values().get(endpoint=hook) == before


def test_another_organizations_endpoint_is_404(client, org, other_org, member_factory):
    with scopes_disabled():
        theirs, _ = make_endpoint(other_org, kind=SourceKind.GENERIC_JSON, name="Theirs")
    client.force_login(member_factory(Role.ADMIN))
    assert client.get(page(theirs)).status_code == 404
    assert client.post(page(theirs), form_data()).status_code == 404
    response = client.post(f"{page(theirs)}try/", form_data(sample="{}"), HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert b"Theirs" not in response.content
    with scopes_disabled():
        assert not FieldMapping.objects.exists()


def test_the_pages_run_a_bounded_number_of_queries(
    client, admin_user, generic, org, django_assert_max_num_queries
):
    hook, _ = generic
    for number in range(6):
        Service.objects.create(organization=org, name=f"service-{number}")
        make_endpoint(org, admin_user, kind=SourceKind.GENERIC_JSON, name=f"Tool {number}")
        InboundDelivery.objects.create(
            organization=org, endpoint=hook, event_id=f"e{number}", body="{}", outcome="x"
        )
    client.force_login(admin_user)
    with django_assert_max_num_queries(10):
        assert client.get(page(hook)).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.post(f"{page(hook)}try/", form_data(sample="{}")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(INTEGRATIONS).status_code == 200
