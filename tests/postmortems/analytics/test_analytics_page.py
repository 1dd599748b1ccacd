"""The analytics page and its CSV downloads: bad ranges, roles, visibility, empty states,
query counts and the cache."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from actionitems.models import ActionItem, ItemStatus
from incidents.models import Incident, Service
from organizations.models import PostmortemPolicy
from organizations.roles import Role
from postmortems.analytics import report
from postmortems.models import Postmortem, RootCauseCategory
from tests.factories import TeamFactory
from tests.postmortems.analytics.helpers import SECRET_TITLE, Maker, at

RANGE = {"date_from": "2025-01-01", "date_to": "2025-03-31"}


def add_noise(organization, count: int) -> None:
    """``count`` more incidents, postmortems and items in the range (for query-count tests)."""
    make = Maker(organization)
    make.numbers = {
        "incident": Incident.objects.filter(organization=organization).count() + 100,
        "postmortem": Postmortem.objects.filter(organization=organization).count() + 100,
        "item": ActionItem.objects.filter(organization=organization).count() + 100,
    }
    service = Service.objects.create(organization=organization, name=f"noise-{count}")
    for index in range(count):
        started = at("2025-01-02") + timedelta(days=index % 80, hours=index % 7)
        incident = make.incident(
            ["SEV1", "SEV2", "SEV3", "SEV4"][index % 4],
            started,
            detect=timedelta(minutes=3 + index),
            resolve=timedelta(hours=1 + index % 5),
            services=[service],
        )
        postmortem = make.postmortem(
            incident,
            started + timedelta(days=2),
            root_cause_category=RootCauseCategory.values[index % 8],
        )
        make.item(postmortem, started + timedelta(days=3), due="2025-02-01")


def page_url(organization) -> str:
    return reverse("analytics", kwargs={"org_slug": organization.slug})


def csv_url(organization, chart: str) -> str:
    return reverse("analytics_csv", kwargs={"org_slug": organization.slug, "chart": chart})


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- The page ------------------------------------------------------------------------------------


def test_the_page_shows_every_metric_and_its_csv_links(client, world):
    client.force_login(world.manager)
    response = client.get(page_url(world.organization), RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-stat="created">4<' in html
    assert 'data-stat="completion">67%<' in html
    assert 'data-stat="on-time">50%<' in html
    assert "▲ Over target" in html and "✓ On target" in html
    for chart in report.CHARTS:
        assert csv_url(world.organization, chart) in html, chart
    assert html.count("<title id=") >= 7  # every chart names itself
    assert "<desc id=" in html


def test_the_default_range_is_the_last_twelve_months(client, world):
    client.force_login(world.manager)
    response = client.get(page_url(world.organization))
    assert response.status_code == 200
    scope = response.context["scope"]
    assert len(scope.months) == 12 and scope.date_from.day == 1


def test_csv_has_the_same_numbers_as_the_chart(client, world):
    client.force_login(world.manager)
    response = client.get(csv_url(world.organization, "created"), RANGE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert read_csv(response) == [
        ["Month", "Postmortems created"],
        ["2025-01", "2"],
        ["2025-02", "1"],
        ["2025-03", "1"],
    ]
    rows = read_csv(client.get(csv_url(world.organization, "detect-resolve"), RANGE))
    assert ["All", "SEV1", "3", "20.0", "28.0", "4.00", "5.60"] in rows
    rows = read_csv(client.get(csv_url(world.organization, "lead-times"), RANGE))
    assert rows[3] == ["Resolution → published", "15.0", "14", "no", "2"]


def test_an_unknown_chart_is_404(client, world):
    client.force_login(world.manager)
    assert client.get(csv_url(world.organization, "nope"), RANGE).status_code == 404


def test_a_csv_cell_never_runs_as_a_formula(client, world):
    Service.objects.filter(name="db").update(name="=HYPERLINK(1)")
    client.force_login(world.manager)
    rows = read_csv(client.get(csv_url(world.organization, "services"), RANGE))
    assert ["'=HYPERLINK(1)", "1"] in rows


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2025-03-01", "date_to": "2025-01-01"}, "date_to", "is after"),
        ({"date_from": "2015-01-01", "date_to": "2025-01-01"}, "date_from", "five years"),
        ({"date_from": "2999-01-01", "date_to": "2999-02-01"}, "date_from", "in the future"),
        ({"date_from": "yesterday"}, "date_from", "valid date"),
        ({"team": "999999"}, "team", "valid choice"),
    ],
)
def test_bad_ranges_are_refused_with_a_field_message(client, world, params, field, message):
    client.force_login(world.manager)
    response = client.get(page_url(world.organization), params)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "Pick a valid range" in response.content.decode()
    assert client.get(csv_url(world.organization, "created"), params).status_code == 400


def test_another_organizations_team_is_not_a_choice(client, world, other_org):
    foreign = TeamFactory(organization=other_org, name="Foreign")
    client.force_login(world.manager)
    response = client.get(page_url(world.organization), {**RANGE, "team": foreign.pk})
    assert response.status_code == 400


def test_a_private_postmortems_title_never_shows_but_it_counts(client, world):
    client.force_login(world.manager)  # a manager who neither wrote nor may read PM2
    response = client.get(page_url(world.organization), RANGE)
    html = response.content.decode()
    assert SECRET_TITLE not in html
    assert "A postmortem you cannot open" in html
    assert 'data-stat="created">4<' in html  # PM2 is counted
    assert (
        SECRET_TITLE
        not in client.get(csv_url(world.organization, "services"), RANGE).content.decode()
    )


def test_an_admin_may_read_the_private_title(client, world, admin_user):
    client.force_login(admin_user)
    response = client.get(page_url(world.organization), RANGE)
    assert SECRET_TITLE in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.MANAGER, 200),
        (Role.REVIEWER, 403),
        (Role.ENGINEER, 403),
        (Role.VIEWER, 403),
    ],
)
def test_only_managers_and_admins_see_analytics(client, org, member_factory, role, status):
    client.force_login(member_factory(role))
    assert client.get(page_url(org)).status_code == status
    assert client.get(csv_url(org, "created")).status_code == status


def test_non_members_and_other_organizations_get_404(client, org, other_org, member_factory):
    outsider = member_factory(Role.ADMIN, organization=other_org)
    client.force_login(outsider)
    assert client.get(page_url(org)).status_code == 404
    assert client.get(csv_url(org, "created")).status_code == 404


def test_the_nav_links_analytics_for_managers_only(client, org, member_factory):
    client.force_login(member_factory(Role.MANAGER))
    assert (
        page_url(org)
        in client.get(reverse("incident_list", kwargs={"org_slug": "acme"})).content.decode()
    )
    client.force_login(member_factory(Role.ENGINEER))
    assert (
        page_url(org)
        not in client.get(reverse("incident_list", kwargs={"org_slug": "acme"})).content.decode()
    )


# --- Empty states and query counts ----------------------------------------------------------------


def test_an_empty_organization_gets_a_helpful_empty_state(client, org, member_factory):
    client.force_login(member_factory(Role.MANAGER))
    response = client.get(page_url(org))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing to analyse yet" in html
    assert 'class="an-chart"' not in html  # no chart drawn over nothing


def test_an_empty_range_shows_empty_charts_not_broken_ones(client, world):
    client.force_login(world.manager)
    response = client.get(
        page_url(world.organization), {"date_from": "2023-01-01", "date_to": "2023-06-30"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "No postmortems were created in this range" in html
    assert "No recurring pattern in this range" in html
    assert 'data-stat="completion">—<' in html
    assert "nan" not in html.lower().replace("nanos", "")


def test_the_page_runs_a_fixed_number_of_queries(client, world, count_queries):
    client.force_login(world.manager)
    url = page_url(world.organization)

    def uncached(params):
        cache.clear()  # the action-item metrics are cached: count the queries of a miss
        return count_queries(lambda: client.get(url, params))

    client.get(url, RANGE)  # warm the session
    small = uncached(RANGE)
    add_noise(world.organization, 40)
    large = uncached(RANGE)
    # the headlines: two queries over both periods; did the fixes hold: five, and a version
    assert small == large <= 36
    assert count_queries(lambda: client.get(url, RANGE)) < large  # a hit saves the item scans
    assert uncached({**RANGE, "team": world.team.pk}) <= large


def test_an_action_item_change_shows_at_once_despite_the_cache(client, world):
    from actionitems.tracker_cache import tracker_changed

    client.force_login(world.manager)
    url = page_url(world.organization)
    assert 'data-stat="on-time">50%<' in client.get(url, RANGE).content.decode()
    ActionItem.objects.filter(pk=world.items["a3"].pk).update(
        status=ItemStatus.COMPLETED,
        completed_at=at("2025-03-20"),  # due Feb 10: late
    )
    tracker_changed(organization=world.organization)  # as every action-item service does
    assert 'data-stat="on-time">33%<' in client.get(url, RANGE).content.decode()


def test_new_postmortems_and_policy_changes_show_at_once_despite_the_cache(client, world):
    client.force_login(world.manager)
    url = page_url(world.organization)

    def created() -> str:
        html = client.get(url, RANGE).content.decode()
        return html.split('data-stat="created">', 1)[1].split("<", 1)[0]

    before = int(created())
    add_noise(world.organization, 2)
    assert int(created()) == before + 2
    completion = client.get(url, RANGE).content.decode()
    PostmortemPolicy.objects.filter(organization=world.organization).update(severities=[])
    assert client.get(url, RANGE).content.decode() != completion
