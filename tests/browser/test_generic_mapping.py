"""An admin writes a generic JSON webhook's field mapping by keyboard alone, tries it on a
delivery the tool already sent and on a pasted sample (the result appears in place, without a
page load) and saves it."""

import json
import re

from django_scopes import scope
from playwright.sync_api import expect

from incidents.models import Service
from integrations.generic.models import FieldMapping
from integrations.intake import services
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind
from organizations.roles import Role
from tests.browser.helpers import log_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

SAMPLE = {
    "incident": {"id": "77", "title": "Checkout is failing"},
    "state": "firing",
    "labels": {"service": "checkout"},
}


def setup_endpoint():
    organization = OrganizationFactory(slug="acme", name="Acme Corporation")
    admin = UserFactory(username="ada")
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN)
    with scope(organization=organization):
        Service.objects.create(organization=organization, name="checkout")
        endpoint, _ = services.endpoint_create(
            organization=organization,
            actor=admin,
            kind=SourceKind.GENERIC_JSON,
            name="Status tool",
            alert_rule="OPEN",
            default_severity="SEV3",
            severity_map={},
        )
        InboundDelivery.objects.create(
            organization=organization,
            endpoint=endpoint,
            event_id="first",
            body=json.dumps(SAMPLE),
            status=DeliveryStatus.QUARANTINED,
            outcome="The endpoint has no field mapping yet.",
        )
    return endpoint


def test_a_mapping_is_written_tried_and_saved_by_keyboard(page, transactional_db):
    endpoint = setup_endpoint()
    log_in(page, "ada")
    page.goto(f"/o/acme/settings/integrations/endpoints/{endpoint.pk}/mapping/")

    page.get_by_label("Incident id").focus()
    page.keyboard.type("$.incident.id")
    page.keyboard.press("Tab")
    page.keyboard.type("$.incident.title")
    page.keyboard.press("Tab")
    page.keyboard.type("$.labels.service")
    page.get_by_label("Status or event type").fill("$.state")
    page.get_by_label("Status values").fill("firing = triggered\nok = resolved")
    delivered = page.get_by_role("button", name=re.compile("^Try on "))
    delivered.focus()
    page.keyboard.press("Enter")

    result = page.locator("#mapping-try")
    expect(result).to_contain_text("A delivery like this would be applied: triggered of incident")
    expect(result).to_contain_text("not mapped")  # the time, among others
    expect(page.get_by_label("Sample payload")).to_have_value(re.compile('"id": "77"'))
    expect(delivered).to_be_focused()

    page.get_by_label("Sample payload").fill(json.dumps(SAMPLE | {"state": "paused"}))
    page.get_by_role("button", name="Try mapping").focus()
    page.keyboard.press("Enter")
    expect(result).to_contain_text("“paused” is not in the status table")
    expect(page.get_by_role("button", name="Try mapping")).to_be_focused()
    assert not FieldMapping.objects.exists()  # trying saves nothing

    page.get_by_label("Incident id").press("Enter")  # Enter in a field saves
    expect(page.get_by_text("The mapping of “Status tool” is saved.")).to_be_visible()
    saved = FieldMapping.objects.get()
    assert (saved.incident_id_path, saved.status_values) == (
        "$.incident.id",
        {"firing": "triggered", "ok": "resolved"},
    )
    assert page.console_errors == []
