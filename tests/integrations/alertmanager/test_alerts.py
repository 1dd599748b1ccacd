"""What Alertmanager's notifications do to incidents: attach, open (per the endpoint's rule),
resolve; each alert once, whatever Alertmanager re-sends."""

import copy

from django.urls import reverse

from incidents.models import EntryKind, Incident, LinkType, Service, Status
from incidents.services import incident_declare
from incidents.transitions import incident_resolve
from integrations.intake.models import AlertRule, DeliveryStatus, InboundDelivery
from tests.integrations.conftest import documented_payload, fresh, make_endpoint, resolved


def test_firing_alerts_open_an_incident_with_the_alerts_linked(endpoint, send):
    hook, secret = endpoint
    send(hook, fresh(documented_payload()), secret=secret)
    incident = Incident.objects.get()
    assert incident.title == "HighErrorRate: High request error rate"
    assert incident.severity == "SEV1"  # severity="critical" by the endpoint's table
    assert incident.status == Status.OPEN
    assert [s.service.name for s in incident.service_links.all()] == ["checkout"]
    links = list(incident.links.order_by("external_id"))
    assert [link.type for link in links] == [LinkType.ALERT, LinkType.ALERT]
    assert links[0].external_id == "alertmanager:1a2b3c4d5e6f7a8b"
    assert links[0].url.startswith("https://prometheus.example.com/graph?")
    assert "instance=checkout-1.example.com:9100" in links[0].details
    assert links[0].occurred_at == incident.started_at
    alerts = incident.timeline.filter(kind=EntryKind.ALERT)
    assert [e.description for e in alerts] == [
        "Alert firing: HighErrorRate: High request error rate"
    ] * 2
    assert {e.actor_name for e in alerts} == {"Alertmanager"}


def test_alerts_attach_to_the_open_incident_of_their_service(endpoint, send, org, admin_user):
    hook, secret = endpoint
    declared = incident_declare(
        organization=org,
        actor=admin_user,
        title="Checkout down",
        severity="SEV2",
        services=["checkout"],
    )
    send(hook, fresh(documented_payload()), secret=secret)
    assert list(Incident.objects.all()) == [declared]
    assert declared.links.filter(type=LinkType.ALERT).count() == 2
    assert InboundDelivery.objects.get().outcome == (
        f"HighErrorRate attached to {declared.ref}; HighErrorRate attached to {declared.ref}"
    )


def test_an_unmapped_severity_opens_with_the_default(endpoint, send):
    hook, secret = endpoint
    payload = fresh(documented_payload())
    for alert in payload["alerts"]:
        alert["labels"]["severity"] = "page-someone"
    send(hook, payload, secret=secret)
    assert Incident.objects.get().severity == "SEV3"


def test_attach_only_never_opens_an_incident(org, admin_user, send):
    Service.objects.create(organization=org, name="checkout")
    hook, secret = make_endpoint(org, admin_user, alert_rule=AlertRule.ATTACH_ONLY)
    payload = fresh(documented_payload())
    send(hook, payload, secret=secret)
    assert not Incident.objects.exists()
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PROCESSED
    assert "checkout has no open incident, not attached" in delivery.outcome
    # Once someone declares it, Alertmanager's next repeat of the group attaches.
    declared = incident_declare(
        organization=org,
        actor=admin_user,
        title="Checkout",
        severity="SEV2",
        services=["checkout"],
    )
    payload["truncatedAlerts"] = 0
    payload["alerts"] = payload["alerts"][:1]
    send(hook, payload, secret=secret)
    assert declared.links.count() == 1


def test_a_resolved_alert_adds_a_timeline_entry_once(endpoint, send, org):
    hook, secret = endpoint
    firing = fresh(documented_payload())
    send(hook, firing, secret=secret)
    incident = Incident.objects.get()
    send(hook, resolved(firing), secret=secret)
    assert InboundDelivery.objects.filter(status=DeliveryStatus.PROCESSED).count() == 2
    entries = incident.timeline.filter(description__startswith="Alert resolved")
    assert entries.count() == 2
    # Alertmanager re-sends the resolved group (another endsAt): nothing more.
    send(hook, resolved(firing), secret=secret)
    assert incident.timeline.filter(description__startswith="Alert resolved").count() == 2


def test_a_group_resent_with_a_new_alert_attaches_only_the_new_one(endpoint, send):
    hook, secret = endpoint
    first = fresh(documented_payload())
    one = copy.deepcopy(first)
    one["alerts"] = one["alerts"][:1]
    send(hook, one, secret=secret)
    send(hook, first, secret=secret)  # the group now has both alerts
    incident = Incident.objects.get()
    assert incident.links.count() == 2
    assert incident.timeline.filter(kind=EntryKind.ALERT).count() == 2


def test_an_alert_resolved_after_its_incident_still_lands_there(endpoint, send, admin_user):
    hook, secret = endpoint
    firing = fresh(documented_payload())
    send(hook, firing, secret=secret)
    incident = Incident.objects.get()
    incident_resolve(incident=incident, actor=admin_user)
    send(hook, resolved(firing), secret=secret)
    assert incident.timeline.filter(description__startswith="Alert resolved").count() == 2
    assert Incident.objects.count() == 1


def test_an_unknown_service_quarantines_the_whole_delivery(endpoint, send):
    hook, secret = endpoint
    payload = fresh(documented_payload())
    payload["alerts"][1]["labels"]["job"] = "payments"
    send(hook, payload, secret=secret)
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.QUARANTINED
    assert delivery.outcome == "Unknown service “payments”: add it in Hindsight or fix the label."
    assert not Incident.objects.exists()  # the first alert's service was known: nothing half-done


def test_the_service_label_wins_over_job(endpoint, send, org):
    hook, secret = endpoint
    Service.objects.create(organization=org, name="storefront")
    payload = fresh(documented_payload())
    for alert in payload["alerts"]:
        alert["labels"]["service"] = "storefront"
    send(hook, payload, secret=secret)
    incident = Incident.objects.get()
    assert [s.service.name for s in incident.service_links.all()] == ["storefront"]


def test_a_failure_while_applying_leaves_no_half_made_incident(endpoint, send, monkeypatch):
    hook, secret = endpoint
    from incidents import services as incident_services

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(incident_services, "timeline_entry_add", broken)
    send(hook, fresh(documented_payload()), secret=secret)
    delivery = InboundDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.outcome == "Processing failed; the error is logged."
    assert not Incident.objects.exists()


def test_a_resolved_alert_marks_its_link_ended_keeping_its_details(
    endpoint, send, client, admin_user
):
    hook, secret = endpoint
    firing = fresh(documented_payload())
    send(hook, firing, secret=secret)
    incident = Incident.objects.get()
    before = {link.pk: link.details for link in incident.links.all()}
    ended = resolved(firing)
    send(hook, ended, secret=secret)
    ends = {f"alertmanager:{a['fingerprint']}": a["endsAt"] for a in ended["alerts"]}
    for link in incident.links.all():
        lines = link.details.splitlines()
        assert lines[0].startswith("Started: ")
        assert lines[1] == f"Ended: {ends[link.external_id]}"
        assert lines[:1] + lines[2:] == before[link.pk].splitlines()
    client.force_login(admin_user)
    page = client.get(reverse("incident_detail", args=["acme", incident.ref])).content.decode()
    assert "<summary>Details</summary>" in page and f"Ended: {ends[link.external_id]}" in page
    # Re-sent with another endsAt: the link keeps its first end.
    send(hook, resolved(firing), secret=secret)
    for link in incident.links.all():
        assert link.details.count("Ended:") == 1
        assert f"Ended: {ends[link.external_id]}" in link.details
