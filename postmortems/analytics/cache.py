"""The analytics page's figures, cached while nothing they read has changed.

Every figure is an aggregation over the organization's postmortems, incidents and action
items; recomputing them all on each view costs a few hundred milliseconds on a large
organization. The cache key holds a fingerprint of that data (counts and latest changes of
postmortems and incidents, the action-item and recurrence-dismissal versions, the policy,
today) read in a few small queries, so any change shows at once; entries also expire after
``TTL`` seconds, which bounds what the fingerprint does not see (a team's members). The
recurring patterns name postmortems, so their key also holds who is looking
(``visibility_scope``).
"""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from incidents.models import Incident
from organizations.roles import visibility_scope
from organizations.selectors import ACTION_ITEMS_VERSION, counter_value, policy_for
from postmortems.analytics.page_charts import chart_cards
from postmortems.analytics.patterns import patterns_in_scope
from postmortems.analytics.remediation import remediation_report
from postmortems.analytics.report import analytics_report, table_on_time
from postmortems.analytics.scope import AnalyticsScope
from postmortems.models import Postmortem
from postmortems.recurrence.services import RECURRENCES_VERSION

TTL = 120


def _fingerprint(scope: AnalyticsScope) -> list:
    organization = scope.organization
    policy = policy_for(organization)
    postmortems = Postmortem.objects.filter(organization=organization).aggregate(
        n=Count("pk"), changed=Max("updated_at")
    )
    incidents = Incident.objects.filter(organization=organization).aggregate(
        n=Count("pk"), changed=Max("updated_at")
    )
    return [
        organization.pk,
        organization.created_at.isoformat() if organization.created_at else "",
        scope.date_from.isoformat(),
        scope.date_to.isoformat(),
        scope.team.pk if scope.team else "",
        timezone.localdate().isoformat(),
        counter_value(organization=organization, name=ACTION_ITEMS_VERSION),
        counter_value(organization=organization, name=RECURRENCES_VERSION),
        sorted(postmortems.items()),
        sorted(incidents.items()),
        [(f.name, getattr(policy, f.name)) for f in policy._meta.concrete_fields],
    ]


def _cached(name: str, parts: list, compute):
    key = f"analytics-{name}:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value


def page_figures(scope: AnalyticsScope, *, membership) -> dict:
    """The report, its chart cards and the recurring patterns, for the page's context."""
    parts = _fingerprint(scope)

    def figures() -> dict:
        report = analytics_report(scope)
        return {
            "report": report,
            "cards": chart_cards(report),
            "on_time_table": table_on_time(report.on_time),
            "remediation": remediation_report(scope),
        }

    return {
        **_cached("figures", parts, figures),
        "patterns": _cached(
            "patterns",
            [*parts, visibility_scope(membership)],
            lambda: patterns_in_scope(scope, membership=membership),
        ),
    }
