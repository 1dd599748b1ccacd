"""The organization-wide action-item tracker: filters and due buckets, sorting, who sees what,
the CSV, pagination, and a bounded number of queries whatever the number of items. The summary
and the changes made from the tracker have their own modules."""

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.http import StreamingHttpResponse

from actionitems import services
from actionitems.csv_export import read_rows
from actionitems.models import ActionItem, ItemStatus
from actionitems.tracker_cache import tracker_changed
from organizations.selectors import today_in
from organizations.spreadsheets import safe_cell
from tests.actionitems.helpers import (
    HTMX,
    bulk_url,
    csv_url,
    incident,
    item,
    n,
    numbers,
    tracker_url,
)
from tests.factories import OrganizationFactory
from tests.postmortems.editor.helpers import make_postmortem

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
