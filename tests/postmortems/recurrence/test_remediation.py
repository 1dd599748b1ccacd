"""The remediation stamp the action-item services keep on a postmortem: all items completed
(won't-do is not done), at the last completion; anything else clears it."""

from datetime import UTC, datetime

from django_scopes import scope

from actionitems import services as item_services
from postmortems.models import Postmortem
from tests.postmortems.recurrence.helpers import REMEDIATED, add_items, set_status


def stamp(postmortem) -> tuple:
    return tuple(
        Postmortem.objects.filter(pk=postmortem.pk).values_list(
            "remediated_at", "remediated_items"
        )[0]
    )


def test_the_last_completion_of_all_items_is_the_remediation(world):
    assert stamp(world.postmortem) == (REMEDIATED, 4)


def test_an_item_still_open_means_not_remediated(world):
    set_status(world.items[1], world.author, "IN_PROGRESS")
    assert stamp(world.postmortem) == (None, 0)


def test_wont_do_counts_as_not_done(world):
    set_status(world.items[2], world.author, "WONT_DO", wont_do_reason="Superseded by a rewrite")
    assert stamp(world.postmortem) == (None, 0)


def test_a_new_item_reopens_the_remediation(world):
    add_items(world.postmortem, world.author, 1)
    assert stamp(world.postmortem) == (None, 0)


def test_deleting_the_last_open_item_completes_the_remediation(world):
    (extra,) = add_items(world.postmortem, world.author, 1)
    with scope(organization=world.organization):
        item_services.action_item_delete(item=extra, actor=world.author)
    assert stamp(world.postmortem) == (REMEDIATED, 4)


def test_completing_the_last_item_later_moves_the_remediation(world):
    set_status(world.items[0], world.author, "OPEN")
    later = datetime(2026, 2, 1, 9, tzinfo=UTC)
    set_status(world.items[0], world.author, "COMPLETED", later)
    assert stamp(world.postmortem) == (later, 4)


def test_a_bulk_status_change_follows_too(world):
    with scope(organization=world.organization):
        item_services.action_items_bulk_update(
            organization=world.organization,
            actor=world.manager,
            numbers=[world.items[3].number],
            changes={"status": "OPEN"},
        )
    assert stamp(world.postmortem) == (None, 0)


def test_a_postmortem_without_items_is_not_remediated(world, member_factory):
    other = Postmortem.objects.create(
        organization=world.organization, number=99, title="Empty", author=world.author
    )
    assert stamp(other) == (None, 0)
