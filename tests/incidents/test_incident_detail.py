"""The incident page: what it shows, its charts, the status transitions, and who may read and
write through it."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from incidents import selectors, services, transitions
from incidents.charts import nice_ticks, render_chart, tick_labels
from incidents.models import Incident, IncidentLink, MetricSeries, Status, TimelineEntry
from tests.incidents.page_helpers import HTMX, T0, body, declare, mark_resolved, url
from tests.markup import Elements

# --- The incident page -----------------------------------------------------------------------


def test_the_incident_page_shows_header_times_people_and_policy(
    eng_client, org, engineer, member_factory
):
    helper = member_factory(username="helper", first_name="Hana", last_name="Helper")
    incident = declare(
        org,
        engineer,
        severity="SEV1",
        detected_at=T0 + timedelta(minutes=4),
        security=True,
        participants=[helper],
    )
    mark_resolved(incident, after=timedelta(hours=2, minutes=14))
    html = body(eng_client.get(url("incident_detail", incident)))
    assert "sev--sev1" in html and "status--resolved" in html
    assert "Postmortem required" in html and "Security" in html
    assert "2h 14m" in html and "4m" in html
    assert "Hana Helper" in html and "payments-api" in html
    for action in ("incident_acknowledge", "incident_mitigate", "incident_resolve"):
        assert url(action, incident) not in html  # resolved: no further steps


def test_action_buttons_follow_status_and_role(client, incident, engineer, viewer):
    client.force_login(engineer)
    html = body(client.get(url("incident_detail", incident)))
    for action in ("incident_acknowledge", "incident_mitigate", "incident_resolve"):
        assert url(action, incident) in html
    transitions.incident_mitigate(incident=incident, actor=engineer)
    html = body(client.get(url("incident_detail", incident)))
    assert url("incident_acknowledge", incident) not in html
    assert url("incident_resolve", incident) in html
    client.force_login(viewer)
    html = body(client.get(url("incident_detail", incident)))
    assert url("incident_resolve", incident) not in html
    assert url("incident_edit", incident) not in html
    assert 'id="new-entry-form"' not in html


def test_the_description_renders_as_markdown(eng_client, incident):
    html = body(eng_client.get(url("incident_detail", incident)))
    assert "Card payments <strong>fail</strong> for EU customers." in html


def test_timeline_is_grouped_by_day_in_the_org_time_zone_with_t_offsets(
    eng_client, incident, engineer
):
    # 22:30 UTC is 23:30 in Paris on the 10th; 23:30 UTC is 00:30 on the 11th.
    for hour, text in ((22, "late evening"), (23, "after midnight")):
        services.timeline_entry_add(
            incident=incident,
            actor=engineer,
            occurred_at=datetime(2026, 3, 10, hour, 30, tzinfo=UTC),
            description=text,
        )
    services.timeline_entry_add(
        incident=incident,
        actor=None,
        actor_name="PagerDuty",
        occurred_at=T0 - timedelta(minutes=5),
        description="early warning",
        is_key_event=True,
    )
    html = body(eng_client.get(url("incident_detail", incident)))
    assert "Tuesday, March 10, 2026" in html and "Wednesday, March 11, 2026" in html
    assert html.index("late evening") < html.index("Wednesday, March 11") < html.index("after mid")
    assert "T+13h 00m" in html and "T+14h 00m" in html
    assert "T−5m" in html and "PagerDuty" in html
    assert "tl-entry--key" in html


def test_metric_charts_render_as_inline_svg(eng_client, incident):
    services.metric_series_set(
        incident=incident,
        key="errorRate",
        name="Error rate",
        unit="%",
        points=[(T0 + timedelta(minutes=m), m * 1.5) for m in range(10)],
    )
    html = body(eng_client.get(url("incident_detail", incident)))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in html
    assert "Error rate (%)" in html and "<polyline" in html


def test_the_incident_page_runs_a_constant_number_of_queries(
    eng_client, org, engineer, count_queries
):
    incident = declare(org, engineer)

    def grow(n: int) -> None:
        for i in range(n):
            services.timeline_entry_add(
                incident=incident,
                actor=engineer,
                occurred_at=T0 + timedelta(minutes=i),
                description=f"step {i}",
            )
            services.link_add(incident=incident, type="ALERT", title=f"a{i}", url="https://x.io")
        for i in range(min(n, 3)):
            services.metric_series_set(
                incident=incident, key=f"m{i}", name="M", unit="", points=[(T0, 1.0)]
            )

    detail_url = url("incident_detail", incident)
    grow(2)
    small = count_queries(lambda: eng_client.get(detail_url))
    grow(40)
    large = count_queries(lambda: eng_client.get(detail_url))
    assert large == small


def _entry_ids(html: str) -> list[int]:
    return [
        int(attrs["id"].removeprefix("entry-"))
        for tag, attrs in Elements(html).tags
        if tag == "li" and attrs.get("id", "").startswith("entry-")
    ]


def _load_earlier_url(html: str) -> str | None:
    return next(
        (a["hx-get"] for _, a in Elements(html).tags if "before=" in (a.get("hx-get") or "")),
        None,
    )


def test_long_timelines_show_the_latest_days_and_load_earlier_ones(eng_client, org, engineer):
    incident = declare(org, engineer)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            organization=org,
            incident=incident,
            occurred_at=T0 + timedelta(minutes=10 * i),
            description=f"tick {i}",
        )
        for i in range(700)
    )
    response = eng_client.get(url("incident_detail", incident))
    shown = response.context["timeline"].entries
    assert 0 < len(shown) <= selectors.TIMELINE_WINDOW
    first_shown = timezone.localtime(shown[0].occurred_at, ZoneInfo("Europe/Paris"))
    assert (first_shown.hour, first_shown.minute) == (0, 0)  # whole days, the latest ones
    seen = _entry_ids(body(response))
    assert seen == [e.pk for e in shown]
    link = _load_earlier_url(body(response))
    while link:
        earlier = eng_client.get(link, headers=HTMX)
        assert earlier.status_code == 200 and "<html" not in body(earlier)
        seen = _entry_ids(body(earlier)) + seen
        link = _load_earlier_url(body(earlier))
    every_entry = TimelineEntry.objects.filter(incident=incident).order_by("occurred_at", "id")
    assert seen == list(every_entry.values_list("id", flat=True))  # each once, in order


def test_another_organizations_incident_is_404(eng_client, other_org):
    foreign = declare(other_org, None)
    assert eng_client.get(url("incident_detail", foreign)).status_code == 404
    assert eng_client.get(url("incident_list") + "INC-oops/").status_code == 404


# --- Transitions -----------------------------------------------------------------------------


def test_acknowledge_mitigate_resolve_through_the_page(eng_client, incident):
    for name, status in (
        ("incident_acknowledge", Status.ACKNOWLEDGED),
        ("incident_mitigate", Status.MITIGATED),
        ("incident_resolve", Status.RESOLVED),
    ):
        response = eng_client.post(url(name, incident), follow=True)
        assert response.redirect_chain[-1][0] == url("incident_detail", incident)
        incident.refresh_from_db()
        assert incident.status == status
        assert f"{incident.ref} is now {status.label.lower()}" in body(response)


def test_resolving_twice_is_harmless(eng_client, incident):
    eng_client.post(url("incident_resolve", incident))
    incident.refresh_from_db()
    resolved_at = incident.resolved_at
    response = eng_client.post(url("incident_resolve", incident), follow=True)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolved_at == resolved_at
    assert "was already resolved" in body(response)


def test_a_refused_transition_says_why(eng_client, incident):
    eng_client.post(url("incident_resolve", incident))
    response = eng_client.post(url("incident_mitigate", incident), follow=True)
    assert "cannot be mitigated again" in body(response)
    response = eng_client.post(url("incident_mitigate", incident), headers=HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages"
    assert "<html" not in body(response) and "cannot be mitigated again" in body(response)


def test_transitions_are_post_only(eng_client, incident):
    assert eng_client.get(url("incident_resolve", incident)).status_code == 405
    incident.refresh_from_db()
    assert incident.status == Status.OPEN


# --- Roles -----------------------------------------------------------------------------------


def _write_requests(incident: Incident, entry: TimelineEntry, link: IncidentLink):
    ids = {"entry_id": entry.pk}
    return [
        ("get", url("incident_declare")),
        ("post", url("incident_declare")),
        ("get", url("incident_edit", incident)),
        ("post", url("incident_edit", incident)),
        ("post", url("incident_acknowledge", incident)),
        ("post", url("incident_mitigate", incident)),
        ("post", url("incident_resolve", incident)),
        ("post", url("timeline_entries", incident)),
        ("get", url("timeline_entry_edit", incident, **ids)),
        ("post", url("timeline_entry_edit", incident, **ids)),
        ("post", url("timeline_entry_delete", incident, **ids)),
        ("post", url("incident_link_add", incident)),
        ("post", url("incident_link_delete", incident, link_id=link.pk)),
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_viewer_gets_403_on_every_write(viewer_client, incident, entry, link, htmx):
    data = {"title": "x", "description": "x", "new-entry-description": "x"}
    for method, target in _write_requests(incident, entry, link):
        response = getattr(viewer_client, method)(
            target, data if method == "post" else None, headers=HTMX if htmx else {}
        )
        assert response.status_code == 403, f"{method} {target}"
    incident.refresh_from_db()
    assert incident.status == Status.OPEN and incident.title == "Checkout errors"
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()
    assert IncidentLink.objects.filter(pk=link.pk).exists()


def test_a_viewer_may_read_every_page(viewer_client, incident):
    for target in (
        url("incident_list"),
        url("incidents_needing_postmortem"),
        url("incident_detail", incident),
        url("timeline_entries", incident),
    ):
        assert viewer_client.get(target).status_code == 200, target


def test_an_engineer_may_write(eng_client, incident, entry, link):
    assert eng_client.get(url("incident_declare")).status_code == 200
    assert eng_client.get(url("incident_edit", incident)).status_code == 200
    edit = url("timeline_entry_edit", incident, entry_id=entry.pk)
    assert eng_client.get(edit, headers=HTMX).status_code == 200
    delete = url("incident_link_delete", incident, link_id=link.pk)
    assert eng_client.post(delete, headers=HTMX).status_code == 200


# --- Charts ----------------------------------------------------------------------------------


def _series(incident, points, name="p99 latency", unit="ms") -> MetricSeries:
    return services.metric_series_set(
        incident=incident, key="latency", name=name, unit=unit, points=points
    )


def test_a_chart_has_its_title_axes_line_window_and_markers(incident):
    mark_resolved(incident, after=timedelta(minutes=40))
    points = [(T0 + timedelta(minutes=m - 10), 200 + 30 * m) for m in range(60)]
    with timezone.override("Europe/Paris"):
        svg = str(render_chart(_series(incident, points)))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "p99 latency (ms)" in svg and "<polyline" in svg
    assert "Impact" in svg and "Resolved" in svg and "<rect" in svg
    assert "10:30" in svg  # an x tick in the org's time zone (Europe/Paris)
    assert "<script" not in svg and "style=" not in svg


def test_chart_text_is_escaped(incident):
    svg = str(render_chart(_series(incident, [(T0, 1.0)], name="<script>x</script>", unit="&")))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_chart_copes_with_an_empty_series(incident):
    svg = str(render_chart(_series(incident, [])))
    assert "No data points recorded" in svg and "p99 latency" in svg
    assert svg.endswith("</svg>")


def test_a_chart_copes_with_one_point_and_malformed_points(incident):
    series = _series(incident, [(T0, 5.0)])
    series.points += [["not a time", 3], [T0.isoformat(), "NaN"], [T0.isoformat()]]
    svg = str(render_chart(series, incident=incident))
    assert "<polyline" in svg and "<circle" in svg


@pytest.mark.parametrize(
    ("low", "high"), [(0, 1), (0, 7.3), (0, 123), (-3, 12), (0, 98765), (5, 5)]
)
def test_nice_ticks_are_3_to_5_round_values_covering_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert 3 <= len(ticks) <= 5
    assert ticks[0] <= low and ticks[-1] >= high


@pytest.mark.parametrize(
    ("ticks", "labels"),
    [
        ([0, 0.25, 0.5], ["0", "0.25", "0.50"]),
        ([0, 500, 1000, 1500], ["0", "500", "1,000", "1,500"]),
        ([0, 25_000, 50_000], ["0", "25k", "50k"]),
        ([0, 500_000, 1_000_000, 1_500_000], ["0", "0.5M", "1.0M", "1.5M"]),
        ([-5, 0, 5], ["-5", "0", "5"]),
        ([0, 5_000_000, 10_000_000], ["0", "5M", "10M"]),
    ],
)
def test_tick_labels_are_short_and_consistent(ticks, labels):
    assert tick_labels(ticks) == labels
