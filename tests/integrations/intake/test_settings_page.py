"""The Integrations settings tab: admins create, rotate, edit, deactivate endpoints and replay
deliveries; nobody else, and nothing of another organization."""

import pytest
from django_scopes import scopes_disabled

from incidents.models import Incident, IncidentLink
from integrations.intake.models import DeliveryStatus, InboundDelivery, WebhookEndpoint
from organizations.models import AuditEntry
from organizations.roles import Role
from tests.integrations.conftest import documented_payload, fresh, make_endpoint

PAGE = "/o/acme/settings/integrations/"
NEW = {
    "new-name": "Production Alertmanager",
    "new-alert_rule": "OPEN",
    "new-default_severity": "SEV2",
    "new-severity_map": "critical = SEV1\nWarning=sev3",
}


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.REVIEWER, Role.VIEWER])
def test_only_admins_see_the_tab_and_its_actions(client, org, member_factory, role, endpoint):
    hook, _ = endpoint
    client.force_login(member_factory(role))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, NEW).status_code == 403
    assert client.post(f"{PAGE}endpoints/{hook.pk}/rotate/").status_code == 403
    assert client.post(f"{PAGE}endpoints/{hook.pk}/deactivate/").status_code == 403
    assert "Integrations" not in client.get("/o/acme/settings/tokens/").content.decode()
    assert WebhookEndpoint.objects.get().is_active


def test_a_non_member_gets_404(client, org, other_org, member_factory):
    client.force_login(member_factory(Role.ADMIN, organization=other_org))
    assert client.get(PAGE).status_code == 404


def test_an_admin_creates_an_endpoint_whose_secret_is_shown_once(client, org, admin_user, send):
    client.force_login(admin_user)
    response = client.post(PAGE, NEW)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    hook = WebhookEndpoint.objects.get()
    assert hook.severity_map == {"critical": "SEV1", "warning": "SEV3"}
    secret = response.context["revealed"]["secret"]
    page = response.content.decode()
    assert secret in page and f"/hooks/{hook.public_id}/" in page
    assert f'href="{PAGE}"' in page  # the tab in the settings navigation
    assert f'credentials: "{secret}"' in page  # the alertmanager.yml receiver snippet
    assert secret not in client.get(PAGE).content.decode()
    assert hook.secret_hash != secret and secret not in str(AuditEntry.objects.get().details)
    assert send(hook, b"{}", secret=secret).status_code == 202


def test_bad_input_names_the_field(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, NEW | {"new-name": "", "new-severity_map": "critical: SEV1"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"name", "severity_map"}
    assert "Line 1" in errors["severity_map"][0]
    assert not WebhookEndpoint.objects.exists()


def test_rotating_the_secret_stops_the_old_one(client, org, admin_user, endpoint, send):
    hook, old = endpoint
    client.force_login(admin_user)
    response = client.post(f"{PAGE}endpoints/{hook.pk}/rotate/")
    new = response.context["revealed"]["secret"]
    assert new != old
    assert send(hook, fresh(documented_payload()), secret=old).status_code == 401
    assert send(hook, fresh(documented_payload()), secret=new).status_code == 202
    assert AuditEntry.objects.filter(action="integration.secret_rotated").count() == 1


def test_editing_the_rule_and_deactivating(client, org, admin_user, endpoint, send):
    hook, secret = endpoint
    client.force_login(admin_user)
    prefix = f"e{hook.pk}"
    response = client.post(
        f"{PAGE}endpoints/{hook.pk}/",
        {
            f"{prefix}-name": "Staging",
            f"{prefix}-alert_rule": "ATTACH_ONLY",
            f"{prefix}-default_severity": "SEV4",
            f"{prefix}-severity_map": "",
        },
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.alert_rule, hook.severity_map) == ("Staging", "ATTACH_ONLY", {})
    client.post(f"{PAGE}endpoints/{hook.pk}/deactivate/")
    assert send(hook, fresh(documented_payload()), secret=secret).status_code == 404
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "integration.endpoint_created",
        "integration.endpoint_updated",
        "integration.endpoint_deactivated",
    ]


def test_another_organizations_endpoint_or_delivery_is_404(client, org, other_org, admin_user):
    theirs, their_secret = make_endpoint(other_org)
    with scopes_disabled():
        delivery = InboundDelivery.objects.create(
            organization=other_org, endpoint=theirs, event_id="x", body="{}"
        )
    client.force_login(admin_user)
    for action in ("", "rotate/", "deactivate/"):
        assert client.post(f"{PAGE}endpoints/{theirs.pk}/{action}").status_code == 404
    assert client.post(f"{PAGE}deliveries/{delivery.pk}/replay/").status_code == 404
    assert "Production Alertmanager" not in client.get(PAGE).content.decode()
    with scopes_disabled():
        theirs.refresh_from_db()
        assert theirs.is_active and theirs.secret_hash
        assert (
            not AuditEntry.objects.filter(organization=other_org)
            .exclude(action="integration.endpoint_created")
            .exists()
        )


def test_the_delivery_log_and_replay(
    client, org, admin_user, endpoint, send, django_capture_on_commit_callbacks
):
    hook, secret = endpoint
    send(hook, b"not json", secret=secret)
    send(hook, fresh(documented_payload()), secret=secret)
    client.force_login(admin_user)
    page = client.get(PAGE).content.decode()
    assert page.index("Processed") < page.index("Quarantined")  # latest first
    assert "The body is not JSON" in page
    processed = InboundDelivery.objects.get(status=DeliveryStatus.PROCESSED)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}deliveries/{processed.pk}/replay/")
    assert response.status_code == 302
    processed.refresh_from_db()
    assert processed.status == DeliveryStatus.PROCESSED
    assert processed.attempts == 2
    assert "already attached" in processed.outcome
    assert Incident.objects.count() == 1 and IncidentLink.objects.count() == 2
    assert AuditEntry.objects.filter(action="integration.delivery_replayed").count() == 1
    assert client.get(f"{PAGE}deliveries/{processed.pk}/replay/").status_code == 405


def test_the_delivery_log_filters_by_status_and_endpoint(client, org, admin_user, endpoint, send):
    hook, secret = endpoint
    other, other_secret = make_endpoint(org, admin_user, name="Staging Alertmanager")
    send(hook, b"not json", secret=secret)
    send(hook, fresh(documented_payload()), secret=secret)
    send(other, b"[1]", secret=other_secret)
    client.force_login(admin_user)

    quarantined = client.get(PAGE, {"status": "QUARANTINED"})
    assert [d.status for d in quarantined.context["deliveries"]] == ["QUARANTINED"] * 2
    of_other = client.get(PAGE, {"endpoint": other.pk}).context["deliveries"]
    assert [d.endpoint for d in of_other] == [other]
    both = client.get(PAGE, {"status": "QUARANTINED", "endpoint": hook.pk})
    assert [d.outcome[:20] for d in both.context["deliveries"]] == ["The body is not JSON"]
    nothing = client.get(PAGE, {"status": "FAILED"}).content.decode()
    assert "No delivery matches these filters." in nothing


def test_a_bad_filter_is_a_400_naming_it_and_another_organizations_endpoint_is_not_one(
    client, org, other_org, admin_user, endpoint
):
    with scopes_disabled():
        foreign, _ = make_endpoint(other_org, name="Their Alertmanager")
    client.force_login(admin_user)
    for query, field in (
        ({"status": "LOST"}, "status"),
        ({"endpoint": "abc"}, "endpoint"),
        ({"endpoint": foreign.pk}, "endpoint"),
    ):
        response = client.get(PAGE, query)
        assert response.status_code == 400, query
        assert list(response.context["filters"].errors) == [field]
        assert "Their Alertmanager" not in response.content.decode()


def test_the_pages_of_a_filtered_log_keep_the_filter(
    client, org, admin_user, endpoint, send, monkeypatch
):
    from integrations.intake import views_settings

    monkeypatch.setattr(views_settings, "DELIVERY_PAGE_SIZE", 1)
    hook, secret = endpoint
    for body in (b"not json", b"[1]", b"[2]"):
        send(hook, body, secret=secret)
    client.force_login(admin_user)
    page = client.get(PAGE, {"status": "QUARANTINED"}).content.decode()
    assert "?status=QUARANTINED&amp;page=2#deliveries" in page
