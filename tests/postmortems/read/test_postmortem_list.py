"""The postmortem list: its rows, filters, empty states and pages, and the list selector."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from organizations.roles import Role
from postmortems import selectors
from postmortems.models import Postmortem, PostmortemStatus
from postmortems.permissions import EDIT_PERMISSION
from tests.postmortems.read.helpers import T0, body, new_postmortem, resolved_incident, url

# --- The list ----------------------------------------------------------------------------------


def make_list(org, author, count: int, *, start: int = 0) -> list[Postmortem]:
    made = []
    for n in range(start, start + count):
        incident = resolved_incident(
            org,
            author,
            title=f"Outage {n}",
            severity=("SEV1", "SEV2", "SEV3")[n % 3],
            links=0,
            started_at=T0 + timedelta(days=n),
            services=[f"svc-{n % 2}"],
        )
        made.append(new_postmortem(org, author, incident, title=f"Review {n}"))
    return made


def test_a_new_organization_is_told_where_drafts_come_from(eng_client, org):
    response = eng_client.get(url("postmortem_list", org))
    html = body(response)
    assert response.status_code == 200
    assert "No postmortems yet" in html
    assert "incident is resolved" in html
    assert url("postmortem_create", org) in html


def test_viewers_get_the_empty_state_without_the_create_link(client, org, viewer):
    client.force_login(viewer)
    html = body(client.get(url("postmortem_list", org)))
    assert "No postmortems yet" in html
    assert url("postmortem_create", org) not in html


def test_list_rows_show_what_the_issue_asks_for(eng_client, org, engineer):
    incident = resolved_incident(org, engineer, title="Checkout down")
    postmortem = new_postmortem(org, engineer, incident, title="Checkout review")
    Postmortem.objects.filter(pk=postmortem.pk).update(generated=True)
    html = body(eng_client.get(url("postmortem_list", org)))
    assert f"PM-{postmortem.number}" in html
    assert "Checkout review" in html
    assert url("postmortem_detail", org, number=postmortem.number) in html
    assert url("incident_detail", org, ref=incident.ref) in html
    assert "sev--sev1" in html and "pm--draft" in html
    assert "Mar 10, 2026" in html
    assert engineer.get_full_name() in html
    assert "just now" in html
    assert "Generated" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"severity": "SEV2"}, {"Review 1", "Review 4"}),
        ({"service": "svc-1"}, {"Review 1", "Review 3", "Review 5"}),
        ({"q": "review 2"}, {"Review 2"}),
        ({"date_from": "2026-03-13", "date_to": "2026-03-14"}, {"Review 3", "Review 4"}),
        ({"status": "PUBLISHED"}, set()),
        ({"author": "engineer"}, {f"Review {n}" for n in range(6)}),
        ({"author": "nobody-at-all"}, {f"Review {n}" for n in range(6)}),  # not a choice: ignored
    ],
)
def test_list_filters(eng_client, org, engineer, query, expected):
    make_list(org, engineer, 6)
    html = body(eng_client.get(url("postmortem_list", org), query))
    shown = {f"Review {n}" for n in range(6) if f">Review {n}<" in html}
    assert shown == expected


def test_my_drafts_are_the_ones_i_author_or_was_invited_to(client, org, engineer, member_factory):
    other = member_factory(Role.ENGINEER, username="other")
    mine, invited, theirs, published = make_list(org, other, 4)
    Postmortem.objects.filter(pk=mine.pk).update(author=engineer)
    assign_perm(EDIT_PERMISSION, engineer, invited)
    Postmortem.objects.filter(pk=published.pk).update(
        author=engineer, status=PostmortemStatus.PUBLISHED
    )
    client.force_login(engineer)
    html = body(client.get(url("postmortem_list", org), {"mine": "on"}))
    assert ">Review 0<" in html and ">Review 1<" in html
    assert ">Review 2<" not in html and ">Review 3<" not in html


def test_no_drafts_of_mine_has_its_own_empty_state(eng_client, org, engineer, member_factory):
    make_list(org, member_factory(Role.ENGINEER, username="other"), 1)
    html = body(eng_client.get(url("postmortem_list", org), {"mine": "on"}))
    assert "No drafts waiting for you" in html


def test_filters_that_match_nothing_get_their_own_empty_state(eng_client, org, engineer):
    make_list(org, engineer, 1)
    html = body(eng_client.get(url("postmortem_list", org), {"q": "zzz"}))
    assert "No postmortems match these filters" in html
    assert "Clear filters" in html


def test_list_paginates_by_25_and_keeps_the_filters_in_its_links(eng_client, org, engineer):
    for n in range(27):
        new_postmortem(org, engineer, title=f"Blank {n}")
    html = body(eng_client.get(url("postmortem_list", org), {"q": "blank"}))
    assert html.count("pm-cell-title__link") == 25
    assert "?q=blank&amp;page=2" in html
    page2 = body(eng_client.get(url("postmortem_list", org), {"q": "blank", "page": 2}))
    assert page2.count("pm-cell-title__link") == 2


def test_htmx_filtering_answers_the_results_fragment(eng_client, org, engineer):
    make_list(org, engineer, 2)
    response = eng_client.get(
        url("postmortem_list", org),
        {"q": "Review 1"},
        headers={"HX-Request": "true", "HX-Target": "postmortem-results"},
    )
    html = body(response)
    assert html.lstrip().startswith('<div id="postmortem-results"')
    assert ">Review 1<" in html and ">Review 0<" not in html
    assert "<html" not in html


def test_the_list_runs_a_constant_number_of_queries(eng_client, org, engineer, count_queries):
    make_list(org, engineer, 2)
    small = count_queries(lambda: eng_client.get(url("postmortem_list", org)))
    make_list(org, engineer, 10, start=2)
    large = count_queries(lambda: eng_client.get(url("postmortem_list", org)))
    assert large == small


def test_the_nav_has_postmortems(eng_client, org):
    html = body(eng_client.get(url("postmortem_list", org)))
    list_url = url("postmortem_list", org)
    assert f'<a href="{list_url}" aria-current="page">Postmortems</a>' in html


# --- Selectors ---------------------------------------------------------------------------------


def test_list_selector_filters_by_incident_reference_primary_or_related(org, engineer):
    first, second = make_list(org, engineer, 2)
    extra = resolved_incident(org, engineer, title="Also covered")
    primary = resolved_incident(org, engineer, title="Reviewed here")
    covering = new_postmortem(org, engineer, primary, related_incidents=[extra])
    found = selectors.postmortem_list(
        organization=org,
        membership=engineer.memberships.get(organization=org),
        filters={"incident": extra.ref},
    )
    assert list(found) == [covering]
    found = selectors.postmortem_list(
        organization=org,
        membership=engineer.memberships.get(organization=org),
        filters={"incident": first.incident.ref},
    )
    assert list(found) == [first]
    assert not selectors.postmortem_list(
        organization=org,
        membership=engineer.memberships.get(organization=org),
        filters={"incident": "nonsense"},
    )


def test_list_selector_date_range_is_inclusive_in_the_current_time_zone(org, engineer):
    make_list(org, engineer, 3, start=0)
    late = resolved_incident(org, engineer, started_at=datetime(2026, 3, 11, 23, 30, tzinfo=UTC))
    new_postmortem(org, engineer, late, title="Late")  # March 12 in Paris, March 11 in UTC
    day = {"date_from": date(2026, 3, 11), "date_to": date(2026, 3, 11)}
    with timezone.override("Europe/Paris"):
        found = selectors.postmortem_list(
            organization=org, membership=engineer.memberships.get(organization=org), filters=day
        )
        assert [p.title for p in found] == ["Review 1"]
    with timezone.override("UTC"):
        found = selectors.postmortem_list(
            organization=org, membership=engineer.memberships.get(organization=org), filters=day
        )
        assert sorted(p.title for p in found) == ["Late", "Review 1"]
