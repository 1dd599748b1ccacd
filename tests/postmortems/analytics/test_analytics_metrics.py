"""Analytics metrics, each against the small organization computed by hand in
``helpers.build_world``."""

from datetime import date, timedelta

import pytest

from incidents.models import Incident
from organizations.models import PostmortemPolicy
from postmortems.analytics import aggregates, metrics
from postmortems.analytics import items as item_metrics
from postmortems.analytics.scope import AnalyticsScope


def scope_of(world, team=None) -> AnalyticsScope:
    return AnalyticsScope(world.organization, date(2025, 1, 1), date(2025, 3, 31), team)


# --- Each metric against the hand-computed fixture ---------------------------------------------


def test_postmortems_created_per_month(world):
    points = metrics.created_per_month(scope_of(world))
    assert [(p.month, p.count) for p in points] == [
        (date(2025, 1, 1), 2),  # PM1, PM4
        (date(2025, 2, 1), 1),
        (date(2025, 3, 1), 1),
    ]


def test_completion_rate_is_published_over_required_by_policy(world):
    policy = PostmortemPolicy.objects.get(organization=world.organization)
    result = metrics.completion(scope_of(world), policy)
    # I1, I2, I3 are SEV1 and resolved in the range; I4 is SEV2 (not required); I0 before it
    assert (result.required, result.published) == (3, 2)
    assert result.rate == pytest.approx(2 / 3)


def test_lead_times_are_medians_against_the_policy_targets(world):
    policy = PostmortemPolicy.objects.get(organization=world.organization)
    stages = {s.key: s for s in metrics.lead_times(scope_of(world), policy)}
    # draft after 1, 3, 5 days; first review after 3 (PM1's round-1 request, not its later
    # resubmit) and 7; published after 10 and 20
    assert stages["draft"].median_days == pytest.approx(3)
    assert stages["review"].median_days == pytest.approx(5)
    assert stages["published"].median_days == pytest.approx(15)
    assert [stages[k].count for k in ("draft", "review", "published")] == [3, 2, 2]
    assert [stages[k].target_days for k in ("draft", "review", "published")] == [5, 11, 14]
    assert (stages["draft"].on_target, stages["review"].on_target) == (True, True)
    assert stages["published"].on_target is False


def test_action_items_on_time(world):
    result = item_metrics.on_time(scope_of(world))
    # A1 done before its due date, A2 after; A4 has no due date
    assert (result.completed, result.on_time, result.undated) == (2, 1, 1)
    assert result.rate == pytest.approx(0.5)


def test_open_and_overdue_at_each_months_end(world):
    points = item_metrics.open_overdue_trend(scope_of(world))
    assert [(p.month, p.open, p.overdue) for p in points] == [
        (date(2025, 1, 1), 2, 1),  # A2 (overdue since Jan 20), A3
        (date(2025, 2, 1), 3, 1),  # A3 (overdue since Feb 10), A4, A5
        (date(2025, 3, 1), 1, 1),  # A3
    ]
    assert points[0].as_of == date(2025, 1, 31)


def test_time_to_detect_and_resolve_by_severity_median_and_p90(world):
    result = metrics.detect_resolve(scope_of(world))
    overall = {row.severity: row for row in result.overall}
    sev1 = overall["SEV1"]
    assert sev1.incidents == 3
    assert sev1.ttd_median == timedelta(minutes=20)
    assert sev1.ttd_p90 == timedelta(minutes=28)  # 20 + 0.8 × 10
    assert sev1.ttr_median == timedelta(hours=4)
    assert sev1.ttr_p90 == timedelta(hours=5.6)
    assert (overall["SEV2"].ttd_median, overall["SEV2"].ttr_p90) == (
        timedelta(minutes=5),
        timedelta(hours=1),
    )
    monthly = {(row.month, row.severity): row for row in result.by_month}
    assert set(monthly) == {
        (date(2025, 1, 1), "SEV1"),
        (date(2025, 1, 1), "SEV2"),
        (date(2025, 2, 1), "SEV1"),
        (date(2025, 3, 1), "SEV1"),
    }
    assert monthly[(date(2025, 2, 1), "SEV1")].ttr_median == timedelta(hours=4)


def test_top_root_causes_and_the_ones_missing(world):
    ranked, missing = metrics.root_causes(scope_of(world))
    assert [(r.key, r.count) for r in ranked] == [("CODE_DEFECT", 2), ("CONFIGURATION_ERROR", 1)]
    assert missing == 1  # PM4


def test_most_affected_services(world):
    services = metrics.affected_services(scope_of(world))
    assert [(s.label, s.count) for s in services] == [("api", 3), ("db", 1)]  # I0 is outside


def test_action_items_by_category(world):
    rows = {
        row.key: (row.total, row.completed)
        for row in item_metrics.items_by_category(scope_of(world))
    }
    assert rows == {
        "DETECT": (1, 1),
        "PREVENT": (2, 1),
        "MITIGATE": (1, 0),
        "RESPOND": (0, 0),
        "": (1, 1),
    }


def test_a_team_sees_its_own_share(world):
    scope = scope_of(world, team=world.team)  # Cora commanded I1 only
    assert metrics.created_per_month(scope)[0].count == 1
    policy = PostmortemPolicy.objects.get(organization=world.organization)
    result = metrics.completion(scope, policy)
    assert (result.required, result.published) == (1, 1)
    assert [(s.label, s.count) for s in metrics.affected_services(scope)] == [
        ("api", 1),
        ("db", 1),
    ]
    assert item_metrics.on_time(scope).completed == 2  # the items are PM1's


def test_percentile_interpolates_like_percentile_cont():
    assert aggregates.percentile([], 0.5) is None
    assert aggregates.percentile([None, 4], 0.9) == 4
    assert aggregates.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert aggregates.percentile([10, 20, 30], 0.9) == pytest.approx(28)


@pytest.mark.postgres
def test_postgresql_percentiles_match_the_hand_computed_ones(world):
    """On PostgreSQL the medians come from percentile_cont (CI runs this)."""
    assert aggregates.native_percentiles(Incident.objects.all())
    result = metrics.detect_resolve(scope_of(world))
    sev1 = next(row for row in result.overall if row.severity == "SEV1")
    assert (sev1.ttd_p90, sev1.ttr_median) == (timedelta(minutes=28), timedelta(hours=4))
