"""The tracker's summary: what each count covers, the filter each applies, and counts that
follow every change to the items and their postmortems."""

import pytest
from django_scopes import scope

from actionitems import services
from actionitems.models import ActionItem, ItemStatus
from actionitems.tracker_cache import tracker_changed
from postmortems.review import people
from tests.actionitems.helpers import card, n, numbers, tracker_url

# --- The summary ---------------------------------------------------------------------------------


def test_the_summary_counts_and_each_count_applies_its_filter(client, world, manager):
    client.force_login(manager)
    response = client.get(tracker_url())
    assert card(response, "open") == "4"
    assert card(response, "in_progress") == "0"
    assert card(response, "overdue") == "1"
    assert card(response, "this_week") == "1"  # sev1_soon; sev3_done is done
    assert card(response, "on_time") == "100%"  # completed before its due date
    assert card(response, "unowned") == "1"
    assert card(response, "undated") == "1"
    html = response.content.decode()
    assert 'href="/o/acme/action-items/?due=overdue" data-card="overdue"' in html
    assert 'href="/o/acme/action-items/?flag=unowned" data-card="unowned"' in html
    overdue = client.get(tracker_url(due="overdue"))
    assert numbers(overdue) == n(world, "sev1_late")
    assert 'aria-current="true" data-card="overdue"' in overdue.content.decode()


def test_the_summary_counts_across_the_cards_filters_but_within_the_others(client, world, manager):
    client.force_login(manager)
    response = client.get(tracker_url(owner="ben", due="overdue"))
    assert card(response, "open") == "2"  # ben's open items, whatever their due date
    assert card(response, "overdue") == "0"
    html = response.content.decode()
    assert 'href="/o/acme/action-items/?status=OPEN&amp;owner=ben" data-card="open"' in html


def test_the_counts_follow_item_changes_made_through_the_services(client, world, manager):
    """The counts are cached until an item changes: the services must say so
    (``tracker_cache.tracker_changed`` inside their transaction)."""
    client.force_login(manager)
    assert card(client.get(tracker_url()), "open") == "4"
    services.action_item_update(
        item=world["sev3_later"], actor=manager, changes={"status": ItemStatus.COMPLETED}
    )
    response = client.get(tracker_url())
    assert card(response, "open") == "3"
    assert response.context["page"].paginator.count == 3


def test_the_counts_follow_a_postmortem_made_private(client, world, org, author, manager):
    """Who may read a postmortem decides whose tracker counts its items: making it private
    takes them out of another member's cached counts at once."""
    client.force_login(manager)
    assert card(client.get(tracker_url()), "open") == "4"

    with scope(organization=org):
        people.visibility_set(
            postmortem=world["sev3_later"].postmortem, actor=author, visibility="PRIVATE"
        )

    assert card(client.get(tracker_url()), "open") == "3"


def test_the_counts_are_recounted_when_the_organizations_items_change(
    client, world, manager, count_queries
):
    client.force_login(manager)
    client.get(tracker_url())
    cached = count_queries(lambda: client.get(tracker_url()))
    ActionItem.objects.filter(pk=world["sev1_soon"].pk).update(status=ItemStatus.IN_PROGRESS)
    tracker_changed(organization=world["sev1_soon"].organization)
    responses = []
    recounted = count_queries(lambda: responses.append(client.get(tracker_url())))
    assert recounted == cached + 1  # the summary, which also gives the default view's count
    assert card(responses[0], "in_progress") == "1"
    assert card(responses[0], "open") == "3"
    assert responses[0].context["page"].paginator.count == 4


@pytest.mark.parametrize(
    "query",
    [
        "",
        "due=overdue",
        "due=this_week",
        "due=none",
        "due=upcoming",
        "flag=unowned",
        "flag=undated",
        "status=COMPLETED",
        "status=OPEN",
        "status=all",
        "status=WONT_DO",
        "owner=ben&due=overdue",
        "status=OPEN&due=overdue",
        "priority=urgent&flag=unowned",
    ],
)
def test_the_count_of_a_view_matches_its_rows_whether_counted_or_taken_from_the_summary(
    client, world, manager, query
):
    client.force_login(manager)
    response = client.get(f"{tracker_url()}?{query}")
    assert response.context["page"].paginator.count == len(numbers(response))
