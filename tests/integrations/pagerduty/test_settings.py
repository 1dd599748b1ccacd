"""PagerDuty and Opsgenie endpoints on the Integrations tab: admins create them (PagerDuty's
signing secret pasted, never shown back; Opsgenie's secret shown once), set their severity
table, and replace PagerDuty's secret by pasting the new one."""

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from incidents.models import Incident
from integrations.intake.models import DeliveryStatus, InboundDelivery, SourceKind, WebhookEndpoint
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.integrations.conftest import make_endpoint
from tests.integrations.opsgenie.conftest import action
from tests.integrations.pagerduty.conftest import SIGNING_SECRET, incident_event, note_event

PAGE = "/o/acme/settings/integrations/"
PAGERDUTY = {
    "new-kind": "pagerduty",
    "new-name": "PagerDuty",
    "new-signing_secret": SIGNING_SECRET,
    "new-default_severity": "SEV3",
    "new-severity_map": "P1 = SEV1\nhigh = SEV2",
}


def test_an_admin_creates_a_pagerduty_endpoint_with_its_signing_secret(
    client, admin_user, api_service, pagerduty
):
    client.force_login(admin_user)
    response = client.post(PAGE, PAGERDUTY)
    assert response.status_code == 200
    page = response.content.decode()
    hook = WebhookEndpoint.objects.get()
    assert (hook.kind, hook.severity_map) == (SourceKind.PAGERDUTY, {"p1": "SEV1", "high": "SEV2"})
    assert hook.secret_encrypted == SIGNING_SECRET
    assert SIGNING_SECRET not in page  # pasted: never shown back
    assert f"<code>http://testserver/hooks/{hook.public_id}/</code>" in page
    assert "Generic Webhooks (v3)" in page and "incident.triggered" in page
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_encrypted FROM integrations_webhookendpoint WHERE id = %s", [hook.pk]
        )
        assert SIGNING_SECRET not in cursor.fetchone()[0]
    assert SIGNING_SECRET not in str(AuditEntry.objects.get().details)
    listing = client.get(PAGE).content.decode()
    assert SIGNING_SECRET not in listing
    assert f"Signing secret <code>{SIGNING_SECRET[:4]}…</code>" in listing
    # Its card: the severity table for urgency or priority, no alert rule.
    assert "Severity by urgency or priority" in listing
    assert f'name="e{hook.pk}-alert_rule"' not in listing
    assert pagerduty(hook, incident_event("incident.triggered")).status_code == 202
    assert Incident.objects.get().severity == "SEV1"


def test_the_secret_may_be_pasted_once_pagerduty_made_it(
    client, admin_user, api_service, pagerduty
):
    client.force_login(admin_user)
    page = client.post(PAGE, PAGERDUTY | {"new-signing_secret": ""}).content.decode()
    hook = WebhookEndpoint.objects.get()
    assert "paste it on this endpoint's card" in page
    assert "No signing secret yet" in client.get(PAGE).content.decode()
    assert pagerduty(hook, incident_event("incident.triggered")).status_code == 401

    rotate = f"{PAGE}endpoints/{hook.pk}/rotate/"
    empty = client.post(rotate, {f"s{hook.pk}-signing_secret": " "})
    assert empty.status_code == 400
    assert "Paste the signing secret the tool shows." in empty.content.decode()
    saved = client.post(rotate, {f"s{hook.pk}-signing_secret": SIGNING_SECRET})
    assert saved.status_code == 302
    assert pagerduty(hook, incident_event("incident.triggered")).status_code == 202


def test_replacing_the_secret_stops_the_old_one(client, admin_user, pagerduty_endpoint, pagerduty):
    hook = pagerduty_endpoint
    client.force_login(admin_user)
    response = client.post(
        f"{PAGE}endpoints/{hook.pk}/rotate/", {f"s{hook.pk}-signing_secret": "the new one"}
    )
    assert response.status_code == 302
    assert pagerduty(hook, incident_event("incident.triggered")).status_code == 401
    payload = incident_event("incident.triggered")
    assert pagerduty(hook, payload, secret="the new one").status_code == 202
    assert AuditEntry.objects.filter(action="integration.secret_rotated").count() == 1


def test_an_admin_creates_an_opsgenie_endpoint_whose_secret_is_shown_once(
    client, admin_user, send, org
):
    from incidents.models import Service

    Service.objects.create(organization=org, name="checkout")
    client.force_login(admin_user)
    response = client.post(
        PAGE,
        {
            "new-kind": "opsgenie",
            "new-name": "Opsgenie",
            "new-signing_secret": "ignored for Opsgenie",
            "new-severity_map": "P1 = SEV1",
        },
    )
    page = response.content.decode()
    hook = WebhookEndpoint.objects.get()
    secret = response.context["revealed"]["secret"]
    assert secret.startswith("hs_hook_") and hook.secret_encrypted == ""
    assert f"<code>Bearer {secret}</code>" in page  # the custom header to add
    assert "service:&lt;name&gt;" in page
    assert secret not in client.get(PAGE).content.decode()
    assert "Severity by the alert&#x27;s priority" in client.get(PAGE).content.decode()
    assert send(hook, action("create", priority="P1"), secret=secret).status_code == 202
    assert Incident.objects.get().severity == "SEV1"


def test_a_bad_severity_table_is_400_naming_the_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, PAGERDUTY | {"new-severity_map": "P1: SEV1"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"severity_map"}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.REVIEWER, Role.VIEWER])
def test_only_admins_create_pager_endpoints_and_replace_secrets(
    client, member_factory, role, pagerduty_endpoint
):
    hook = pagerduty_endpoint
    client.force_login(member_factory(role))
    assert client.post(PAGE, PAGERDUTY).status_code == 403
    rotate = f"{PAGE}endpoints/{hook.pk}/rotate/"
    assert client.post(rotate, {f"s{hook.pk}-signing_secret": "x"}).status_code == 403
    hook.refresh_from_db()
    assert WebhookEndpoint.objects.count() == 1 and hook.secret_encrypted == SIGNING_SECRET


def test_another_organizations_endpoint_is_404(client, org, other_org, member_factory):
    with scopes_disabled():
        theirs, _ = make_endpoint(
            other_org, kind=SourceKind.PAGERDUTY, name="Theirs", signing_secret="theirs"
        )
    client.force_login(member_factory(Role.ADMIN))
    rotate = f"{PAGE}endpoints/{theirs.pk}/rotate/"
    assert client.post(rotate, {f"s{theirs.pk}-signing_secret": "mine"}).status_code == 404
    with scopes_disabled():
        theirs.refresh_from_db()
        assert theirs.secret_encrypted == "theirs"


def test_the_page_runs_a_bounded_number_of_queries(
    client, admin_user, pagerduty_endpoint, django_assert_max_num_queries, org
):
    for number in range(5):
        make_endpoint(org, kind=SourceKind.OPSGENIE, name=f"Opsgenie {number}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(20):
        assert client.get(PAGE).status_code == 200


def test_editing_the_severity_table_of_a_pagerduty_endpoint(
    client, admin_user, pagerduty_endpoint, pagerduty
):
    hook = pagerduty_endpoint
    client.force_login(admin_user)
    prefix = f"e{hook.pk}"
    response = client.post(
        f"{PAGE}endpoints/{hook.pk}/",
        {
            f"{prefix}-name": "PagerDuty (prod)",
            f"{prefix}-default_severity": "SEV4",
            f"{prefix}-severity_map": "P1 = SEV2",
        },
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.default_severity, hook.severity_map) == (
        "PagerDuty (prod)",
        "SEV4",
        {"p1": "SEV2"},
    )
    pagerduty(hook, incident_event("incident.triggered"))
    assert Incident.objects.get().severity == "SEV2"


def test_a_replayed_note_is_not_written_twice(
    client, admin_user, pagerduty_endpoint, pagerduty, django_capture_on_commit_callbacks
):
    pagerduty(pagerduty_endpoint, incident_event("incident.triggered"))
    pagerduty(pagerduty_endpoint, note_event("Looking"))
    note = InboundDelivery.objects.order_by("id").last()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{PAGE}deliveries/{note.pk}/replay/").status_code == 302
    note.refresh_from_db()
    assert (note.status, note.attempts) == (DeliveryStatus.PROCESSED, 2)
    assert note.outcome == "note of PGR0VU2 already recorded"
    assert Incident.objects.get().timeline.filter(description="Looking").count() == 1
