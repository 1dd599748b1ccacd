"""The organization-wide action-item tracker: filters and due buckets, sorting, the summary, who
sees what, the inline status change, bulk changes with confirmation, the CSV, pagination, and a
bounded number of queries whatever the number of items."""

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from actionitems import services
from actionitems.csv_export import read_rows, safe_cell
from actionitems.models import ActionItem, ItemStatus
from actionitems.selectors import today_in
from actionitems.tracker_cache import tracker_changed
from incidents import services as incident_services
from organizations.roles import Role
from postmortems.models import Postmortem, Visibility
from postmortems.review import people
from tests.factories import OrganizationFactory
from tests.postmortems.editor.helpers import make_postmortem

HTMX = {"HX-Request": "true"}
ROW = re.compile(r'<tr id="trk-row-(\d+)"')


# --- Helpers -----------------------------------------------------------------------------------


def tracker_url(org_slug: str = "acme", **params) -> str:
    url = reverse("action_item_tracker", kwargs={"org_slug": org_slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def csv_url(query: str = "", org_slug: str = "acme") -> str:
    return reverse("action_item_csv", kwargs={"org_slug": org_slug}) + query


def bulk_url(org_slug: str = "acme") -> str:
    return reverse("action_item_bulk", kwargs={"org_slug": org_slug})


def status_url(number: int, org_slug: str = "acme") -> str:
    return reverse("action_item_status", kwargs={"org_slug": org_slug, "item": number})


def numbers(response) -> list[int]:
    """The item numbers of the tracker's rows, in order."""
    return [int(n) for n in ROW.findall(response.content.decode())]


def card(response, key: str) -> str:
    """A summary card's value."""
    html = response.content.decode()
    found = re.search(
        rf'data-card="{key}">\s*<span class="trk-card__label">[^<]*</span>\s*'
        r'<span class="trk-card__value">([^<]*)</span>',
        html,
    )
    assert found, f"no {key} card"
    return found[1]


def incident(org, commander, *, severity="SEV2", services=("payments-api",)):
    with scope(organization=org):
        return incident_services.incident_declare(
            organization=org,
            actor=commander,
            title=f"{severity} outage",
            severity=severity,
            started_at=timezone.now() - timedelta(hours=3),
            services=list(services),
            commander=commander,
        )


def item(postmortem, actor, description="Alert on p99 latency over 800 ms", **fields):
    fields.setdefault("section_key", "actions-short-term")
    return services.action_item_create(
        postmortem=postmortem, actor=actor, description=description, **fields
    )


def set_due(item_, due: date) -> None:
    """A due date in the past (the services refuse one on creation), as time would make it."""
    ActionItem.objects.filter(pk=item_.pk).update(due_date=due)
    tracker_changed(organization=item_.organization_id)


@pytest.fixture
def manager(member_factory):
    return member_factory(Role.MANAGER, username="mia", first_name="Mia", last_name="Manager")


@pytest.fixture
def ben(member_factory):
    return member_factory(Role.ENGINEER, username="ben", first_name="Ben", last_name="Builder")


@pytest.fixture
def world(org, templates, author, ben, manager):
    """Ann's SEV1 draft and SEV3 draft (checkout), Ben's private SEV2 draft, and items on them
    due at different times, owned by Ann, Ben, or nobody."""
    today = today_in(org)
    sev1 = make_postmortem(org, author, incident(org, author, severity="SEV1"))
    sev3 = make_postmortem(
        org, author, incident(org, author, severity="SEV3", services=["checkout"])
    )
    private = make_postmortem(org, ben, incident(org, ben, severity="SEV2"))
    Postmortem.objects.filter(pk=private.pk).update(visibility=Visibility.PRIVATE)
    items = {
        "sev1_late": item(
            sev1,
            author,
            "Page on checkout 5xx",
            owner=author,
            priority="HIGH",
            due_date=today + timedelta(days=1),
        ),
        "sev1_soon": item(
            sev1,
            author,
            "Runbook for the failover",
            owner=ben,
            priority="CRITICAL",
            due_date=today + timedelta(days=3),
        ),
        "sev1_undated": item(sev1, author, "Canary stage for the deploys", priority="MEDIUM"),
        "sev3_later": item(
            sev3,
            author,
            "Load-test checkout at 3x",
            owner=ben,
            priority="LOW",
            due_date=today + timedelta(days=40),
        ),
        "sev3_done": item(
            sev3,
            author,
            "Cap the pool at 80",
            owner=author,
            priority="MEDIUM",
            due_date=today + timedelta(days=2),
            status=ItemStatus.COMPLETED,
        ),
        "private": item(
            private,
            ben,
            "Rotate the secret",
            owner=ben,
            priority="HIGH",
            due_date=today + timedelta(days=5),
        ),
    }
    set_due(items["sev1_late"], today - timedelta(days=4))
    for value in items.values():
        value.refresh_from_db()
    return items


def n(world, *names) -> list[int]:
    return [world[name].number for name in names]


# --- The page, its order and its filters ---------------------------------------------------------


def test_a_manager_sees_every_item_they_may_read_sev1_first_then_by_due_date(
    client, world, manager
):
    client.force_login(manager)
    response = client.get(tracker_url())
    assert response.status_code == 200
    # open items only by default; the private postmortem's item is not there
    assert numbers(response) == n(world, "sev1_late", "sev1_soon", "sev1_undated", "sev3_later")
    html = response.content.decode()
    assert "Rotate the secret" not in html
    assert "4 days overdue" in html  # the overdue flag
    assert html.count('class="ai-flag">Unowned') == 1  # sev1_undated
    assert html.count('class="ai-flag">No due date') == 1


def test_an_admin_also_sees_the_private_postmortems_items(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get(tracker_url())
    assert world["private"].number in numbers(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=COMPLETED", ["sev3_done"]),
        ("status=all", ["sev1_late", "sev1_soon", "sev1_undated", "sev3_done", "sev3_later"]),
        (
            "status=OPEN&status=IN_PROGRESS",
            ["sev1_late", "sev1_soon", "sev1_undated", "sev3_later"],
        ),
        ("owner=ben", ["sev1_soon", "sev3_later"]),
        ("owner=@ann", ["sev1_late"]),
        ("owner=none", ["sev1_undated"]),
        ("priority=CRITICAL&priority=LOW", ["sev1_soon", "sev3_later"]),
        ("priority=urgent", ["sev1_late", "sev1_soon"]),
        ("due=overdue", ["sev1_late"]),
        ("due=this_week", ["sev1_soon"]),
        ("due=upcoming", ["sev3_later"]),
        ("due=none", ["sev1_undated"]),
        ("severity=SEV3", ["sev3_later"]),
        ("service=checkout", ["sev3_later"]),
        ("flag=unowned", ["sev1_undated"]),
        ("flag=undated", ["sev1_undated"]),
        (
            "status=BOGUS&priority=URGENT&due=someday",
            ["sev1_late", "sev1_soon", "sev1_undated", "sev3_later"],
        ),
    ],
)
def test_filters_narrow_the_rows(client, world, manager, query, expected):
    client.force_login(manager)
    response = client.get(f"{tracker_url()}?{query}")
    assert response.status_code == 200
    assert numbers(response) == n(world, *expected)


def test_the_postmortem_filter_names_the_postmortem_and_offers_a_way_out(client, world, manager):
    client.force_login(manager)
    sev3 = world["sev3_later"].postmortem
    response = client.get(tracker_url(postmortem=sev3.number))
    assert numbers(response) == n(world, "sev3_later")
    html = response.content.decode()
    assert f"PM-{sev3.number} · {sev3.title}" in html
    assert 'aria-label="Remove the filter' in html


def test_a_private_postmortems_title_is_not_shown_in_the_filter_chip(client, world, manager):
    client.force_login(manager)
    private = world["private"].postmortem
    response = client.get(tracker_url(postmortem=private.number))
    assert numbers(response) == []
    assert private.title not in response.content.decode()


def test_critical_or_high_is_one_choice_however_the_url_writes_it(client, world, manager):
    client.force_login(manager)
    response = client.get(f"{tracker_url()}?priority=HIGH&priority=CRITICAL")
    assert numbers(response) == n(world, "sev1_late", "sev1_soon")
    assert '<option value="urgent" selected>Critical or high</option>' in response.content.decode()


def test_the_filters_stay_in_the_url_and_refill_the_form(client, world, manager):
    client.force_login(manager)
    response = client.get(f"{tracker_url()}?owner=ben&priority=LOW&due=upcoming&sort=-due")
    html = response.content.decode()
    assert 'name="owner" id="id_owner" value="ben"' in html
    assert '<option value="LOW" selected>Low</option>' in html
    assert '<option value="upcoming" selected>Due later</option>' in html
    assert '<input type="hidden" name="sort" value="-due">' in html
    # the export and the summary cards keep the same filters
    assert "export.csv?priority=LOW&amp;owner=ben&amp;due=upcoming&amp;sort=-due" in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("due", ["sev1_late", "sev1_soon", "sev3_later", "sev1_undated"]),
        ("-due", ["sev3_later", "sev1_soon", "sev1_late", "sev1_undated"]),
        ("priority", ["sev1_soon", "sev1_late", "sev1_undated", "sev3_later"]),
        ("number", ["sev1_late", "sev1_soon", "sev1_undated", "sev3_later"]),
    ],
)
def test_sorting_by_a_column(client, world, manager, sort, expected):
    client.force_login(manager)
    assert numbers(client.get(tracker_url(sort=sort))) == n(world, *expected)


def test_column_headers_sort_and_reverse(client, world, manager):
    client.force_login(manager)
    html = client.get(tracker_url(sort="due")).content.decode()
    assert (
        'aria-sort="ascending"><a class="trk-sort is-sorted" href="/o/acme/action-items/?sort=-due"'
        in html
    )
    html = client.get(tracker_url()).content.decode()
    assert 'aria-sort="ascending"' in html  # the default order is the severity column's
    assert 'href="/o/acme/action-items/?sort=owner"' in html


def test_due_today_follows_the_organizations_time_zone(client, org, templates, author, manager):
    """At 11:30 UTC on March 10 it is already March 11 in Kiritimati (UTC+14): an item due on
    March 10 is overdue there, and due today for an organization on UTC."""
    postmortem = make_postmortem(org, author, incident(org, author))
    now = datetime(2026, 3, 10, 11, 30, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=now):
        march_10 = item(postmortem, author, owner=author, due_date=date(2026, 3, 10))
        client.force_login(manager)
        org.time_zone = "Pacific/Kiritimati"
        org.save()
        assert numbers(client.get(tracker_url(due="overdue"))) == [march_10.number]
        assert numbers(client.get(tracker_url(due="this_week"))) == []
        org.time_zone = "UTC"
        org.save()
        assert numbers(client.get(tracker_url(due="overdue"))) == []
        response = client.get(tracker_url(due="this_week"))
        assert numbers(response) == [march_10.number]
        assert "Due today" in response.content.decode()


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


# --- Who sees what -------------------------------------------------------------------------------


def test_an_engineer_sees_only_their_own_items_and_no_organization_wide_view(client, world, author):
    client.force_login(author)
    response = client.get(tracker_url())
    assert numbers(response) == n(world, "sev1_late")
    html = response.content.decode()
    assert "My action items" in html
    assert "All action items" not in html
    assert 'id="tracker-bulk"' not in html and "data-trk-select" not in html
    # asking for everyone's, or someone else's, changes nothing
    assert numbers(client.get(tracker_url(owner="ben"))) == []
    assert numbers(client.get(tracker_url(status="all"))) == n(world, "sev1_late", "sev3_done")


def test_a_viewer_gets_an_empty_my_action_items_page(client, world, viewer):
    client.force_login(viewer)
    response = client.get(tracker_url())
    assert response.status_code == 200
    assert numbers(response) == []
    assert "Nothing assigned to you" in response.content.decode()


def test_a_manager_has_my_action_items_too(client, world, manager):
    services.action_item_update(item=world["sev3_later"], actor=manager, changes={"owner": manager})
    client.force_login(manager)
    response = client.get(tracker_url(mine=1))
    assert numbers(response) == n(world, "sev3_later")
    assert 'aria-current="page">My action items' in response.content.decode()


def test_the_tracker_of_another_organization_is_not_found(client, world, manager):
    OrganizationFactory(slug="globex")
    client.force_login(manager)
    assert client.get(tracker_url("globex")).status_code == 404
    assert client.get(csv_url(org_slug="globex")).status_code == 404
    assert client.post(bulk_url("globex"), {"items": [1], "change": "status"}).status_code == 404


# --- The inline status change --------------------------------------------------------------------


def test_an_owner_changes_a_status_inline_and_gets_the_row_back(client, world, ben):
    client.force_login(ben)
    target = world["sev1_soon"]
    response = client.post(
        status_url(target.number),
        {"status": "IN_PROGRESS", "next": tracker_url()},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="trk-row-{target.number}"')
    assert 'ai-st--in_progress">In progress' in html
    assert "tracker-changed" in response["HX-Trigger"]
    target.refresh_from_db()
    assert target.status == ItemStatus.IN_PROGRESS


def test_without_javascript_a_status_change_redirects_back_to_the_view(client, world, ben):
    client.force_login(ben)
    target = world["sev1_soon"]
    back = tracker_url(due="this_week")
    response = client.post(status_url(target.number), {"status": "COMPLETED", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    target.refresh_from_db()
    assert target.status == ItemStatus.COMPLETED and target.completed_at is not None
    followed = client.get(back)
    assert f"AI-{target.number} is now completed." in followed.content.decode()


def test_a_status_change_never_redirects_elsewhere(client, world, ben):
    client.force_login(ben)
    response = client.post(
        status_url(world["sev1_soon"].number),
        {"status": "COMPLETED", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == tracker_url()


def test_wont_do_asks_for_the_reason_first(client, world, ben):
    client.force_login(ben)
    target = world["sev1_soon"]
    asked = client.post(status_url(target.number), {"status": "WONT_DO"}, headers=HTMX)
    assert asked.status_code == 200
    assert "Why won't it be done?" in asked.content.decode()
    target.refresh_from_db()
    assert target.status == ItemStatus.OPEN
    page = client.post(status_url(target.number), {"status": "WONT_DO"})
    assert page.status_code == 400
    assert "Say why this won" in page.content.decode()
    done = client.post(
        status_url(target.number),
        {"status": "WONT_DO", "wont_do_reason": "Replaced by the managed queue"},
        headers=HTMX,
    )
    assert done.status_code == 200
    target.refresh_from_db()
    assert target.status == ItemStatus.WONT_DO
    assert target.wont_do_reason == "Replaced by the managed queue"


def test_an_unknown_status_is_refused(client, world, ben):
    client.force_login(ben)
    response = client.post(status_url(world["sev1_soon"].number), {"status": "DONE"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_engineer_may_not_change_someone_elses_item(client, world, ben):
    client.force_login(ben)
    target = world["sev1_late"]  # ann's, on ann's draft
    assert client.post(status_url(target.number), {"status": "COMPLETED"}).status_code == 403
    refused = client.post(status_url(target.number), {"status": "COMPLETED"}, headers=HTMX)
    assert refused.status_code == 403
    target.refresh_from_db()
    assert target.status == ItemStatus.OPEN


def test_a_hidden_or_foreign_item_is_not_found_for_any_method(client, world, manager):
    client.force_login(manager)
    hidden = world["private"]
    assert client.post(status_url(hidden.number), {"status": "COMPLETED"}).status_code == 404
    assert client.get(status_url(hidden.number)).status_code == 404
    assert client.post(status_url(9999), {"status": "COMPLETED"}).status_code == 404
    assert client.get(status_url(world["sev1_soon"].number)).status_code == 405
    hidden.refresh_from_db()
    assert hidden.status == ItemStatus.OPEN


# --- Bulk changes --------------------------------------------------------------------------------


def test_bulk_reassign_shows_what_will_change_and_changes_nothing_until_confirmed(
    client, world, manager, ben
):
    client.force_login(manager)
    chosen = n(world, "sev1_late", "sev1_undated")
    data = {"items": chosen, "change": "owner", "owner": "ben", "next": tracker_url(due="overdue")}
    preview = client.post(bulk_url(), data)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Reassign 2 action items?" in html
    assert "Ann Author" in html and "Unowned" in html and "Ben Builder" in html
    assert ActionItem.objects.filter(number__in=chosen, owner=ben).count() == 0

    done = client.post(bulk_url(), {**data, "confirm": "1"})
    assert done.status_code == 302
    assert done["Location"] == tracker_url(due="overdue")
    assert ActionItem.objects.filter(number__in=chosen, owner=ben).count() == 2
    assert (
        "Reassigned 2 action items to Ben Builder." in client.get(done["Location"]).content.decode()
    )


def test_bulk_reschedule_and_status_change(client, world, manager):
    client.force_login(manager)
    chosen = n(world, "sev1_late", "sev1_soon")
    new_due = today_in(world["sev1_late"].organization) + timedelta(days=14)
    client.post(
        bulk_url(),
        {"items": chosen, "change": "due_date", "due_date": new_due.isoformat(), "confirm": "1"},
    )
    assert set(ActionItem.objects.filter(number__in=chosen).values_list("due_date", flat=True)) == {
        new_due
    }
    response = client.post(
        bulk_url(),
        {
            "items": chosen,
            "change": "status",
            "status": "WONT_DO",
            "wont_do_reason": "Covered by the platform migration",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert set(ActionItem.objects.filter(number__in=chosen).values_list("status", flat=True)) == {
        "WONT_DO"
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"change": "owner", "owner": "nobody-here"}, "owner", "No member of this organization"),
        ({"change": "owner", "owner": ""}, "owner", "Name the member"),
        ({"change": "due_date", "due_date": "2001-01-01"}, "due_date", "Pick today or a later"),
        ({"change": "due_date", "due_date": "soon"}, "due_date", "Enter a valid date"),
        ({"change": "status", "status": "WONT_DO"}, "wont_do_reason", "Say why these won"),
        ({"change": "status", "status": "DONE"}, "status", "Select a valid choice"),
        ({"change": "priority"}, "change", "Choose a change"),
    ],
)
def test_bulk_bad_input_is_refused_with_a_field_message_and_changes_nothing(
    client, world, manager, data, field, message
):
    client.force_login(manager)
    chosen = n(world, "sev1_late", "sev1_soon")
    before = list(ActionItem.objects.order_by("pk").values_list("owner", "due_date", "status"))
    response = client.post(bulk_url(), {"items": chosen, **data, "confirm": "1"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(ActionItem.objects.order_by("pk").values_list("owner", "due_date", "status")) == (
        before
    )


def test_bulk_without_items_or_with_hidden_items_changes_nothing(client, world, manager):
    client.force_login(manager)
    empty = client.post(bulk_url(), {"change": "status", "status": "COMPLETED", "confirm": "1"})
    assert empty.status_code == 400
    assert "Select at least one action item." in empty.content.decode()
    hidden = world["private"]
    response = client.post(
        bulk_url(),
        {"items": [hidden.number], "change": "status", "status": "COMPLETED", "confirm": "1"},
    )
    assert response.status_code == 400
    hidden.refresh_from_db()
    assert hidden.status == ItemStatus.OPEN


def test_bulk_changes_are_for_managers_and_admins(client, world, author, viewer):
    data = {
        "items": n(world, "sev1_late"),
        "change": "status",
        "status": "COMPLETED",
        "confirm": "1",
    }
    for person in (author, viewer):
        client.force_login(person)
        assert client.post(bulk_url(), data).status_code == 403
    assert ActionItem.objects.get(pk=world["sev1_late"].pk).status == ItemStatus.OPEN
    client.force_login(author)
    assert client.get(bulk_url()).status_code == 405


# --- CSV -----------------------------------------------------------------------------------------


def test_the_csv_is_the_filtered_view_streamed(client, world, manager):
    client.force_login(manager)
    response = client.get(csv_url("?owner=ben"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(
        r'attachment; filename="action-items-acme-\d{4}-\d\d-\d\d\.csv"',
        response["Content-Disposition"],
    )
    rows = read_rows(response.streaming_content)
    assert rows[0][:3] == ["ID", "Description", "Owner"]
    assert [int(row[0]) for row in rows[1:]] == n(world, "sev1_soon", "sev3_later")
    soon = dict(zip(rows[0], rows[1], strict=True))
    assert soon["Owner"] == "ben" and soon["Owner name"] == "Ben Builder"
    assert soon["Priority"] == "CRITICAL" and soon["Severity"] == "SEV1"
    assert soon["Postmortem"] == str(world["sev1_soon"].postmortem.number)
    assert soon["Incident"].startswith("INC-")


def test_the_csv_escapes_cells_a_spreadsheet_would_run(client, world, manager, author):
    postmortem = world["sev1_late"].postmortem
    item(
        postmortem,
        author,
        '=HYPERLINK("http://evil.example.com","click")',
        owner=author,
        success_criteria="+1 from the on-call",
        ticket_url="https://jira.example.com/browse/A-1",
    )
    item(postmortem, author, "@SUM(A1:A9)", owner=author, success_criteria="-2 alerts a week")
    client.force_login(manager)
    rows = read_rows(client.get(csv_url("?owner=ann")).streaming_content)
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example.com","click")' in cells
    assert "'+1 from the on-call" in cells
    assert "'@SUM(A1:A9)" in cells
    assert "'-2 alerts a week" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)
    assert [safe_cell(v) for v in ("\tx", "\rx", "a=b", 7, None)] == ["'\tx", "'\rx", "a=b", 7, ""]


def test_the_csv_has_every_page_and_only_what_the_person_may_see(client, world, author, ben):
    postmortem = world["sev1_late"].postmortem
    for index in range(30):
        item(postmortem, author, f"Follow-up {index}", owner=author)
    client.force_login(author)
    rows = read_rows(client.get(csv_url("?status=all")).streaming_content)
    assert len(rows) == 1 + 32  # ann's 30 new ones, sev1_late and sev3_done
    client.force_login(ben)  # the private postmortem's item is his: in his own CSV
    rows = read_rows(client.get(csv_url()).streaming_content)
    assert "Rotate the secret" in [row[1] for row in rows]


# --- Pagination and queries ----------------------------------------------------------------------


def many_items(org, postmortem, owners, count: int, start: int = 1000) -> None:
    today = today_in(org)
    ActionItem.objects.bulk_create(
        [
            ActionItem(
                organization=org,
                number=start + index,
                postmortem=postmortem,
                section_key="actions-short-term",
                description=f"Item {index}",
                owner=owners[index % len(owners)] if index % 7 else None,
                due_date=today + timedelta(days=index % 30 - 10) if index % 5 else None,
                priority=["CRITICAL", "HIGH", "MEDIUM", "LOW"][index % 4],
                status=["OPEN", "IN_PROGRESS", "COMPLETED", "OPEN"][index % 4],
                ticket_url=f"https://github.com/acme/api/issues/{index}" if index % 3 else "",
                severity_rank=1,
            )
            for index in range(count)
        ]
    )
    tracker_changed(organization=org)


def test_pagination_shows_25_rows_a_page(client, world, manager, author, ben):
    many_items(world["sev1_late"].organization, world["sev1_late"].postmortem, [author, ben], 40)
    client.force_login(manager)
    first = client.get(tracker_url())
    total = first.context["page"].paginator.count
    assert total == 4 + 30  # the world's open ones, and 3 of every 4 new ones
    assert len(numbers(first)) == 25
    second = client.get(tracker_url(page=2))
    assert len(numbers(second)) == total - 25
    assert not set(numbers(first)) & set(numbers(second))
    assert "Page 2 of 2" in second.content.decode()


def test_the_tracker_runs_the_same_queries_whatever_the_number_of_items(
    client, world, manager, author, ben, count_queries
):
    organization = world["sev1_late"].organization
    postmortem = world["sev1_late"].postmortem
    client.force_login(manager)
    pages = [
        tracker_url(),
        tracker_url(due="overdue", priority="HIGH"),
        tracker_url(owner="ben", sort="due"),
        tracker_url(postmortem=postmortem.number),
    ]
    for url in pages:
        client.get(url)  # warm the session and the caches
    few = [count_queries(lambda url=url: client.get(url)) for url in pages]
    many_items(organization, postmortem, [author, ben, manager], 120)
    for url in pages:
        client.get(url)
    many = [count_queries(lambda url=url: client.get(url)) for url in pages]
    assert many == few
    assert max(many) <= 12
    # uncached (the first view after a change), still bounded
    tracker_changed(organization=organization)
    assert count_queries(lambda: client.get(tracker_url())) <= max(many) + 3
    csv_queries = count_queries(
        lambda: b"".join(client.get(csv_url("?status=all")).streaming_content)
    )
    assert csv_queries <= 10


def test_an_htmx_filter_change_answers_only_the_results(client, world, manager):
    client.force_login(manager)
    response = client.get(
        tracker_url(owner="ben"), headers={**HTMX, "HX-Target": "tracker-results"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tracker-results"')
    assert "<html" not in html and 'role="search"' not in html
    summary = client.get(tracker_url(), headers={**HTMX, "HX-Target": "tracker-summary"})
    assert summary.content.decode().lstrip().startswith('<section id="tracker-summary"')


def test_when_everything_is_done_the_tracker_says_so(client, world, author):
    services.action_item_update(
        item=world["sev1_late"], actor=author, changes={"status": ItemStatus.COMPLETED}
    )
    tracker_changed(organization=world["sev1_late"].organization)
    client.force_login(author)
    response = client.get(tracker_url())
    html = response.content.decode()
    assert numbers(response) == []
    assert "You're all caught up" in html
    assert 'href="/o/acme/action-items/?mine=1&amp;status=COMPLETED">See completed items' in html
    assert 'role="search"' in html  # the filters stay: there is history to look at


def test_an_organization_without_items_explains_where_they_come_from(client, org, manager):
    client.force_login(manager)
    response = client.get(tracker_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "No action items yet" in html
    assert 'aria-label="Filter action items"' not in html  # no filters over nothing
