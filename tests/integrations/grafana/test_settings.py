"""An admin adds a Grafana endpoint on the Integrations tab and is told how to set up
Grafana's webhook contact point with it."""

from integrations.intake.models import SourceKind, WebhookEndpoint

from .conftest import grafana_payload

PAGE = "/o/acme/settings/integrations/"
NEW = {
    "new-kind": "grafana",
    "new-name": "Grafana",
    "new-alert_rule": "OPEN",
    "new-default_severity": "SEV2",
    "new-severity_map": "critical = SEV1",
}


def test_an_admin_adds_a_grafana_endpoint_and_sees_how_to_set_up_grafana(
    client, org, admin_user, send
):
    client.force_login(admin_user)
    page = client.get(PAGE).content.decode()
    assert '<option value="grafana">Grafana alerting</option>' in page
    response = client.post(PAGE, NEW)
    assert response.status_code == 200
    hook = WebhookEndpoint.objects.get()
    assert hook.kind == SourceKind.GRAFANA
    page = response.content.decode()
    secret = response.context["revealed"]["secret"]
    assert "Alerting → Contact points" in page
    assert "Authorization Header - Credentials" in page
    assert "alertmanager.yml" not in page
    assert f"/hooks/{hook.public_id}/" in page and secret in page
    assert "Grafana alerting" in client.get(PAGE).content.decode()  # the endpoint's badge
    assert send(hook, grafana_payload("unknown"), secret=secret).status_code == 202


def test_an_unknown_kind_names_the_field(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(PAGE, NEW | {"new-kind": "nagios"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"kind"}
    assert not WebhookEndpoint.objects.exists()


def test_the_kind_cannot_be_changed_once_created(client, org, admin_user, grafana):
    hook, _ = grafana
    client.force_login(admin_user)
    edit = {
        f"e{hook.pk}-{key.removeprefix('new-')}": value
        for key, value in (NEW | {"new-kind": "alertmanager", "new-name": "Renamed"}).items()
    }
    assert client.post(f"{PAGE}endpoints/{hook.pk}/", edit).status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.kind) == ("Renamed", SourceKind.GRAFANA)
