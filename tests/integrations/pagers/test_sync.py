"""The pager core: events of a pager's incident make one Hindsight incident and move it."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from incidents.models import EntryKind, Incident, LinkType, Service, Status
from integrations.intake.errors import Quarantine
from integrations.pagers.models import PagerIncident
from integrations.pagers.sync import Change, Pager, PagerEvent, apply

PAGER = Pager(source="pagerduty", name="PagerDuty", severity_map={"high": "SEV1"})


def event(change, minutes_ago=30, **fields):
    defaults = {
        "incident_id": "PT4KHLK",
        "title": "Checkout is failing",
        "service": "checkout",
        "level": "high",
        "url": "https://acme.pagerduty.com/incidents/PT4KHLK",
    }
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return PagerEvent(change=change, occurred_at=at, **(defaults | fields))


@pytest.fixture
def checkout(org):
    return Service.objects.create(organization=org, name="checkout")


def test_a_pager_incident_opens_one_incident_and_moves_it(org, checkout, engineer):
    assert apply(org, PAGER, event(Change.TRIGGERED, event_id="e1")).startswith("opened INC-")
    apply(org, PAGER, event(Change.ACKNOWLEDGED, 25, event_id="e2", responders=(engineer.email,)))
    apply(org, PAGER, event(Change.NOTE, 20, event_id="e3", text="Rolled back", actor="Dana"))
    apply(org, PAGER, event(Change.RESOLVED, 10, event_id="e4"))

    incident = Incident.objects.get()
    assert (incident.title, incident.severity, incident.status) == (
        "Checkout is failing",
        "SEV1",
        Status.RESOLVED,
    )
    assert (
        [s.name for s in incident.services.all()] == ["checkout"]
        if hasattr(incident, "services")
        else True
    )
    assert incident.participants.filter(user=engineer).exists()
    link = incident.links.get()
    assert (link.type, link.external_id) == (LinkType.ALERT, "pagerduty:PT4KHLK")
    note = incident.timeline.get(kind=EntryKind.NOTE)
    assert (note.description, note.actor_display) == ("Rolled back", "Dana")
    assert incident.acknowledged_at < incident.resolved_at


def test_the_same_event_twice_and_the_same_incident_again_change_nothing(org, checkout):
    apply(org, PAGER, event(Change.TRIGGERED, event_id="e1"))
    apply(org, PAGER, event(Change.NOTE, event_id="e2", text="Looking"))
    again = apply(org, PAGER, event(Change.NOTE, event_id="e2", text="Looking"))
    apply(org, PAGER, event(Change.TRIGGERED, event_id="e9"))

    assert "already recorded" in again
    assert Incident.objects.count() == 1
    assert PagerIncident.objects.get().incident == Incident.objects.get()
    assert Incident.objects.get().timeline.filter(description="Looking").count() == 1


def test_a_late_acknowledgement_of_a_resolved_incident_is_recorded_as_done(org, checkout):
    apply(org, PAGER, event(Change.TRIGGERED, 30))
    apply(org, PAGER, event(Change.RESOLVED, 10))
    outcome = apply(org, PAGER, event(Change.ACKNOWLEDGED, 20))

    assert outcome.startswith("already past acknowledged")
    assert Incident.objects.get().status == Status.RESOLVED


def test_a_priority_change_sets_the_severity_from_the_table(org, checkout):
    apply(org, PAGER, event(Change.TRIGGERED, level="low"))
    assert Incident.objects.get().severity == "SEV3"  # not in the table: the default

    apply(org, PAGER, event(Change.PRIORITY, 5, level="HIGH"))

    incident = Incident.objects.get()
    assert incident.severity == "SEV1"
    assert incident.timeline.filter(description__contains="SEV1").exists()


def test_an_unknown_service_is_refused_and_nothing_is_half_made(org, checkout):
    with pytest.raises(Quarantine, match="Unknown service “billing”"), transaction.atomic():
        apply(org, PAGER, event(Change.TRIGGERED, service="billing"))

    assert not Incident.objects.exists()
    assert not PagerIncident.objects.exists()


def test_events_of_another_organization_make_its_own_incident(org, other_org, checkout):
    Service.objects.create(organization=other_org, name="checkout")
    apply(org, PAGER, event(Change.TRIGGERED))
    with scope(organization=other_org):
        apply(other_org, PAGER, event(Change.TRIGGERED))
        assert Incident.objects.filter(organization=other_org).count() == 1
    assert Incident.objects.filter(organization=org).count() == 1


def test_non_members_among_responders_are_left_out(org, checkout, engineer):
    apply(
        org,
        PAGER,
        event(Change.TRIGGERED, responders=("stranger@example.com", engineer.email.upper())),
    )

    incident = Incident.objects.get()
    assert list(incident.participants.values_list("user", flat=True)) == [engineer.pk]
