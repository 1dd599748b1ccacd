"""The scope of every analytics figure, and the rows that fall in it.

A scope is a date range (``AnalyticsScope.start`` inclusive, ``end`` exclusive, days in the
organization's time zone) and optionally a team. A team's share is:

* postmortems whose author, or whose primary incident's commander, is on the team;
* incidents whose commander is on the team, or whose postmortem's author is;
* action items of the team's postmortems.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from actionitems.models import ActionItem
from incidents.models import Incident
from organizations.models import Organization, Team, TeamMember
from postmortems.models import Postmortem

DAY = timedelta(days=1)


@dataclass(frozen=True)
class AnalyticsScope:
    organization: Organization
    date_from: date
    date_to: date
    team: Team | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.organization.time_zone or "UTC")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after ``date_to``."""
        return datetime.combine(self.date_to + DAY, time.min, tzinfo=self.zone)

    @property
    def months(self) -> list[date]:
        return months_between(self.date_from, self.date_to)


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s to ``last``'s."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def default_range(today: date) -> tuple[date, date]:
    """The last twelve months, whole months: the first of the month eleven months ago to today."""
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - DAY).replace(day=1)
    return first, today


def _team_users(team: Team):
    return TeamMember.objects.filter(team=team).values("user_id")


def postmortems_in_scope(scope: AnalyticsScope) -> QuerySet[Postmortem]:
    queryset = Postmortem.objects.filter(organization=scope.organization)
    if scope.team is not None:
        users = _team_users(scope.team)
        queryset = queryset.filter(Q(author_id__in=users) | Q(incident__commander_id__in=users))
    return queryset


def incidents_in_scope(scope: AnalyticsScope) -> QuerySet[Incident]:
    queryset = Incident.objects.filter(organization=scope.organization)
    if scope.team is not None:
        users = _team_users(scope.team)
        authored = Postmortem.objects.filter(incident=OuterRef("pk"), author_id__in=users)
        queryset = queryset.filter(Q(commander_id__in=users) | Exists(authored))
    return queryset


def items_in_scope(scope: AnalyticsScope) -> QuerySet[ActionItem]:
    queryset = ActionItem.objects.filter(organization=scope.organization)
    if scope.team is not None:
        queryset = queryset.filter(postmortem__in=postmortems_in_scope(scope).values("pk"))
    return queryset


def month_key(value) -> date:
    """A ``TruncMonth`` result (an aware datetime in the scope's zone, or a date) as a date."""
    return value.date() if isinstance(value, datetime) else value
