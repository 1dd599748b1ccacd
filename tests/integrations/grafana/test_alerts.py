"""What Grafana's webhook contact point does to incidents: its documented notification opens
or attaches like Alertmanager's, resolves, and acts once however often Grafana sends it."""

from incidents.models import EntryKind, Incident, LinkType, Service, Status
from incidents.services import incident_declare
from integrations.intake.models import AlertRule, DeliveryStatus, InboundDelivery, SourceKind
from tests.integrations.conftest import make_endpoint, resolved

from .conftest import grafana_payload, labelled

TITLES = [
    "High CPU usage: This alert was triggered for zone eu-1",
    "High memory usage: This alert was triggered for zone us-1",
]


def test_the_documented_notification_opens_an_incident_with_its_alerts(grafana, send):
    hook, secret = grafana
    response = send(hook, grafana_payload(), secret=secret)
    assert response.status_code == 202
    incident = Incident.objects.get()
    assert incident.title == TITLES[1]  # the first alert opens it
    assert incident.severity == "SEV3"  # no "severity" label: the endpoint's default
    assert incident.status == Status.OPEN
    assert incident.description == "The system has high memory usage"
    assert [s.service.name for s in incident.service_links.all()] == ["checkout"]
    links = list(incident.links.order_by("title"))
    assert [link.type for link in links] == [LinkType.ALERT] * 2
    assert [link.title for link in links] == TITLES
    memory = links[1]
    assert memory.external_id == "grafana:c6eadffa33fcdf37"
    assert memory.url == "https://play.grafana.org/alerting/1afz29v7z/edit"
    assert "Silence: https://play.grafana.org/alerting/silence/new?" in memory.details
    assert "Values: B=44.23943737541908, C=1" in memory.details
    assert "zone=us-1" in memory.details
    entries = incident.timeline.filter(kind=EntryKind.ALERT).order_by("occurred_at")
    assert [e.description for e in entries] == [f"Alert firing: {t}" for t in reversed(TITLES)]
    assert {e.actor_name for e in entries} == {"Grafana"}
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert delivery.outcome == (
        f"High memory usage opened {incident.ref}; High CPU usage attached to {incident.ref}"
    )


def test_dashboard_and_panel_addresses_are_kept_with_the_alert(grafana, send):
    hook, secret = grafana
    payload = grafana_payload()
    payload["alerts"][0]["dashboardURL"] = "https://grafana.example.com/d/checkout"
    payload["alerts"][0]["panelURL"] = "https://grafana.example.com/d/checkout?viewPanel=4"
    send(hook, payload, secret=secret)
    link = Incident.objects.get().links.get(external_id="grafana:c6eadffa33fcdf37")
    assert "Dashboard: https://grafana.example.com/d/checkout\n" in link.details
    assert "Panel: https://grafana.example.com/d/checkout?viewPanel=4" in link.details


def test_alerts_attach_to_the_open_incident_of_their_service(grafana, send, org, admin_user):
    hook, secret = grafana
    declared = incident_declare(
        organization=org,
        actor=admin_user,
        title="Checkout slow",
        severity="SEV2",
        services=["checkout"],
    )
    send(hook, grafana_payload(), secret=secret)
    assert list(Incident.objects.all()) == [declared]
    assert declared.links.filter(type=LinkType.ALERT).count() == 2
    assert declared.timeline.filter(actor_name="Grafana").count() == 2


def test_a_critical_label_opens_with_the_mapped_severity(grafana, send):
    hook, secret = grafana
    send(hook, labelled(grafana_payload(), severity="critical"), secret=secret)
    assert Incident.objects.get().severity == "SEV1"


def test_attach_only_leaves_an_alert_of_a_quiet_service_unattached(org, admin_user, send):
    Service.objects.create(organization=org, name="checkout")
    hook, secret = make_endpoint(
        org, admin_user, kind=SourceKind.GRAFANA, alert_rule=AlertRule.ATTACH_ONLY
    )
    send(hook, grafana_payload(), secret=secret)
    assert not Incident.objects.exists()
    assert "checkout has no open incident, not attached" in InboundDelivery.objects.get().outcome


def test_resolved_alerts_add_a_timeline_entry_once(grafana, send):
    hook, secret = grafana
    firing = grafana_payload()
    send(hook, firing, secret=secret)
    incident = Incident.objects.get()
    send(hook, resolved(firing), secret=secret)
    entries = incident.timeline.filter(description__startswith="Alert resolved")
    assert sorted(e.description for e in entries) == [f"Alert resolved: {t}" for t in TITLES]
    assert {e.actor_name for e in entries} == {"Grafana"}
    send(hook, resolved(firing), secret=secret)  # re-sent with another endsAt: nothing more
    assert incident.timeline.filter(description__startswith="Alert resolved").count() == 2
    assert Incident.objects.count() == 1


def test_the_same_delivery_twice_has_one_effect(grafana, send):
    hook, secret = grafana
    payload = grafana_payload()
    first = send(hook, payload, secret=secret)
    again = send(hook, payload, secret=secret)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == {"delivery": first.json()["delivery"], "status": "PROCESSED"} | {
        "duplicate": True
    }
    assert InboundDelivery.objects.count() == 1
    incident = Incident.objects.get()
    assert incident.links.count() == 2
    assert incident.timeline.filter(kind=EntryKind.ALERT).count() == 2


def test_a_grafana_alert_and_an_alertmanager_alert_with_one_fingerprint_both_attach(
    grafana, send, org, admin_user
):
    """Occurrences are kept per sender: Grafana's fingerprint does not mark Alertmanager's
    alert of the same fingerprint and start as already attached."""
    hook, secret = grafana
    payload = grafana_payload()
    send(hook, payload, secret=secret)
    alertmanager, am_secret = make_endpoint(org, admin_user, name="Alertmanager")
    copied = labelled(payload)
    copied["version"] = "4"
    send(alertmanager, copied, secret=am_secret)
    incident = Incident.objects.get()
    assert sorted(incident.links.values_list("external_id", flat=True)) == [
        "alertmanager:bc97ff14869b13e3",
        "alertmanager:c6eadffa33fcdf37",
        "grafana:bc97ff14869b13e3",
        "grafana:c6eadffa33fcdf37",
    ]


def test_a_resolved_alert_marks_its_link_ended(grafana, send):
    hook, secret = grafana
    firing = grafana_payload()
    send(hook, firing, secret=secret)
    incident = Incident.objects.get()
    ended = resolved(firing)
    send(hook, ended, secret=secret)
    ends = {f"grafana:{a['fingerprint']}": a["endsAt"] for a in ended["alerts"]}
    links = list(incident.links.all())
    assert len(links) == 2
    for link in links:
        assert f"\nEnded: {ends[link.external_id]}\n" in link.details
        assert "Labels:" in link.details and "service=checkout" in link.details
