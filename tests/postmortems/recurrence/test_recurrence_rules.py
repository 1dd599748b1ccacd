"""Which later incidents recur a remediated postmortem, and the notices' read models."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from organizations.models import AuditEntry, Membership
from organizations.people import display_name
from postmortems.models import RecurrenceDismissal, RootCauseCategory
from postmortems.recurrence import selectors, services
from tests.postmortems.recurrence.helpers import Maker, at, set_status


def refs(recurrences) -> list[str]:
    return [r.incident_ref for r in recurrences.active]


def membership(world, user):
    return Membership.objects.get(organization=world.organization, user=user)


def test_a_shared_service_after_the_fix_is_a_recurrence(world):
    found = selectors.recurrences_after(postmortem=world.postmortem)
    assert refs(found) == [world.incidents["recurred"].ref]
    (pair,) = found.active
    assert (pair.days, pair.items, pair.reasons) == (23, 4, ["service checkout"])


def test_the_new_incident_names_the_fix_it_came_after(world):
    found = selectors.recurrences_of(
        incident=world.incidents["recurred"], membership=membership(world, world.author)
    )
    (pair,) = found.active
    assert (pair.postmortem_number, pair.postmortem_title, pair.days) == (
        1,
        "Checkout pool exhausted",
        23,
    )
    assert pair.earlier_ref == world.incidents["first"].ref


@pytest.mark.parametrize("name", ["unrelated", "late", "first"])
def test_no_shared_key_after_the_window_or_itself_is_none(world, name):
    found = selectors.recurrences_of(
        incident=world.incidents[name], membership=membership(world, world.author)
    )
    assert not found


def test_the_same_root_cause_is_a_recurrence(world):
    make = Maker(world.organization)
    make.numbers = {"incident": 10, "postmortem": 10}
    other = make.incident(at("2026-03-01T10:00"), [world.services["search"]], title="Search full")
    make.postmortem(other, world.author, RootCauseCategory.CAPACITY)
    found = selectors.recurrences_after(postmortem=world.postmortem)
    assert refs(found) == [world.incidents["recurred"].ref, other.ref]
    assert found.active[1].reasons == ["root cause Capacity"]


def test_an_incident_before_the_last_item_was_done_is_no_recurrence(world):
    later = at("2026-02-18T10:00")  # after INC-2 started
    set_status(world.items[0], world.author, "OPEN")
    set_status(world.items[0], world.author, "COMPLETED", later)
    world.postmortem.refresh_from_db()
    assert refs(selectors.recurrences_after(postmortem=world.postmortem)) == []


def test_incomplete_items_mean_nothing_to_say(world):
    set_status(world.items[0], world.author, "IN_PROGRESS")
    world.postmortem.refresh_from_db()
    assert not selectors.recurrences_after(postmortem=world.postmortem)
    assert not selectors.recurrences_of(
        incident=world.incidents["recurred"], membership=membership(world, world.author)
    )


def test_wont_do_items_mean_nothing_to_say(world):
    set_status(world.items[3], world.author, "WONT_DO", wont_do_reason="Vendor fixed it")
    world.postmortem.refresh_from_db()
    assert not selectors.recurrences_after(postmortem=world.postmortem)


def test_a_dismissed_recurrence_moves_aside_and_undo_brings_it_back(world):
    incident = world.incidents["recurred"]
    services.recurrence_dismiss(
        postmortem=world.postmortem,
        incident=incident,
        actor=world.manager,
        reason="  A card-network outage, not our pool  ",
    )
    found = selectors.recurrences_after(postmortem=world.postmortem)
    assert found.active == []
    (dismissed,) = found.dismissed
    assert dismissed.dismissal.reason == "A card-network outage, not our pool"
    assert dismissed.dismissal.by == display_name(world.manager)
    assert services.recurrence_restore(
        postmortem=world.postmortem, incident=incident, actor=world.manager
    )
    assert refs(selectors.recurrences_after(postmortem=world.postmortem)) == [incident.ref]
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "target")) == [
        ("recurrence.dismissed", f"{incident.ref} after PM-1"),
        ("recurrence.restored", f"{incident.ref} after PM-1"),
    ]
    assert not services.recurrence_restore(
        postmortem=world.postmortem, incident=incident, actor=world.manager
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_dismissal_needs_a_reason(world, reason):
    with pytest.raises(ValidationError) as refused:
        services.recurrence_dismiss(
            postmortem=world.postmortem,
            incident=world.incidents["recurred"],
            actor=world.manager,
            reason=reason,
        )
    assert "reason" in refused.value.message_dict
    assert not RecurrenceDismissal.objects.exists()


def test_only_a_recurrence_can_be_dismissed(world):
    with pytest.raises(ValidationError) as refused:
        services.recurrence_dismiss(
            postmortem=world.postmortem,
            incident=world.incidents["unrelated"],
            actor=world.manager,
            reason="Not related",
        )
    assert "incident" in refused.value.message_dict


def test_an_engineer_may_not_dismiss(world):
    with pytest.raises(PermissionDenied):
        services.recurrence_dismiss(
            postmortem=world.postmortem,
            incident=world.incidents["recurred"],
            actor=world.author,
            reason="Not related",
        )


@pytest.mark.parametrize(
    ("after", "counted"), [(timedelta(days=90), True), (timedelta(days=90, minutes=1), False)]
)
def test_the_window_ends_ninety_days_after_the_fix(world, after, counted):
    make = Maker(world.organization)
    make.numbers = {"incident": 10, "postmortem": 10}
    edge = make.incident(world.postmortem.remediated_at + after, [world.services["checkout"]])
    assert (edge.ref in refs(selectors.recurrences_after(postmortem=world.postmortem))) is counted
