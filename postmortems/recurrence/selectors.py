"""Reads: the recurrences an incident is (its page and its draft), the ones that followed a
remediated postmortem (its read view), and whether one pair is a recurrence at all.

Each page asks a fixed number of queries whatever the data: the keys of the incident (or
postmortem), the matching rows (at most ``SHOWN``), the services they share, what the viewer
may read and the dismissals.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from incidents.models import Incident, IncidentService, format_ref
from organizations.people import display_name
from postmortems.models import Postmortem, RecurrenceDismissal, RootCauseCategory
from postmortems.permissions import may_read
from postmortems.recurrence.rules import WINDOW, Keys, days_after

SHOWN = 10  # pairs listed on one page, the closest in time first


@dataclass(frozen=True)
class Dismissal:
    reason: str
    by: str
    at: datetime


@dataclass
class Recurrence:
    """One later incident after one remediated postmortem."""

    postmortem_number: int
    postmortem_title: str  # empty when the viewer may not read the postmortem
    readable: bool
    earlier_ref: str  # the postmortem's incident
    incident_ref: str  # the later incident
    incident_title: str
    started_at: datetime
    remediated_at: datetime
    items: int
    reasons: list[str] = field(default_factory=list)
    dismissal: Dismissal | None = None

    @property
    def days(self) -> int:
        return days_after(self.remediated_at, self.started_at)


@dataclass
class Recurrences:
    active: list[Recurrence] = field(default_factory=list)
    dismissed: list[Recurrence] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.active or self.dismissed)


def _reasons(shared: Keys, names: dict[int, str]) -> list[str]:
    labels = dict(RootCauseCategory.choices)
    return [f"root cause {labels.get(c, c)}" for c in sorted(shared.categories)] + [
        f"service {names[s]}" for s in sorted(shared.services, key=lambda s: names.get(s, ""))
    ]


def _split(pairs: list[Recurrence], dismissals: dict[tuple[int, str], Dismissal]) -> Recurrences:
    found = Recurrences()
    for pair in pairs:
        pair.dismissal = dismissals.get((pair.postmortem_number, pair.incident_ref))
        (found.dismissed if pair.dismissal else found.active).append(pair)
    return found


def _dismissals(queryset: QuerySet[RecurrenceDismissal]) -> dict[tuple[int, str], Dismissal]:
    rows = queryset.select_related("postmortem", "incident", "dismissed_by")
    return {
        (row.postmortem.number, row.incident.ref): Dismissal(
            row.reason, display_name(row.dismissed_by, "A former member"), row.created_at
        )
        for row in rows
    }


def incident_keys(organization, incident_id: int) -> tuple[Keys, dict[int, str]]:
    """The services (and their names) and the root-cause categories of an incident: two
    queries."""
    names = dict(
        IncidentService.objects.filter(
            organization=organization, incident_id=incident_id
        ).values_list("service_id", "service__name")
    )
    categories = (
        Postmortem.objects.filter(organization=organization, incident_id=incident_id)
        .exclude(root_cause_category="")
        .values_list("root_cause_category", flat=True)
    )
    return Keys(frozenset(names), frozenset(categories)), names


# --- The new incident: which earlier fixes it comes after ----------------------------------------


def remediated_before(organization, incident: Incident) -> QuerySet[Postmortem]:
    """The postmortems remediated within the window before ``incident`` started that share one
    of its keys (the keys read in the same query). A semi-join rather than a join: no row
    twice, so no DISTINCT over every column to plan."""
    services = IncidentService.objects.filter(
        organization=organization, incident_id=incident.pk
    ).values("service_id")
    shares_a_service = Exists(
        IncidentService.objects.filter(incident_id=OuterRef("incident_id"), service_id__in=services)
    )
    categories = (
        Postmortem.objects.filter(organization=organization, incident_id=incident.pk)
        .exclude(root_cause_category="")
        .values("root_cause_category")
    )
    return (
        Postmortem.objects.filter(
            organization=organization,
            remediated_at__lt=incident.started_at,
            remediated_at__gte=incident.started_at - WINDOW,
            incident__started_at__lt=incident.started_at,
        )
        .exclude(incident_id=incident.pk)
        .filter(shares_a_service | Q(root_cause_category__in=categories))
    )


def _remediated_in_window(organization, incident: Incident) -> bool:
    """Was any postmortem remediated within the window before ``incident`` started? Most
    incidents follow none, and this question costs a fraction of the full one to write
    (``remediated_before``'s joins and subqueries take milliseconds to compile)."""
    return Postmortem.objects.filter(
        organization=organization,
        remediated_at__lt=incident.started_at,
        remediated_at__gte=incident.started_at - WINDOW,
    ).exists()


def recurrences_of(*, incident: Incident, membership) -> Recurrences:
    """The remediated postmortems ``incident`` recurs, closest first (the incident page and
    its postmortem's draft and read view). One query when nothing was remediated in the
    window before it, at most seven."""
    organization = incident.organization_id
    if not _remediated_in_window(organization, incident):
        return Recurrences()
    earlier = list(
        remediated_before(organization, incident)
        .select_related("incident")
        .annotate(readable=may_read(membership))
        .order_by("-remediated_at", "number")[:SHOWN]
    )
    if not earlier:
        return Recurrences()
    keys, names = incident_keys(organization, incident.pk)
    shared_services: dict[int, set[int]] = defaultdict(set)
    for incident_id, service_id, name in IncidentService.objects.filter(
        organization=organization,
        incident_id__in=[p.incident_id for p in earlier],
        service_id__in=keys.services,
    ).values_list("incident_id", "service_id", "service__name"):
        shared_services[incident_id].add(service_id)
        names[service_id] = name
    pairs = [
        Recurrence(
            postmortem_number=p.number,
            postmortem_title=p.title if p.readable else "",
            readable=p.readable,
            earlier_ref=p.incident.ref,
            incident_ref=incident.ref,
            incident_title=incident.title,
            started_at=incident.started_at,
            remediated_at=p.remediated_at,
            items=p.remediated_items,
            reasons=_reasons(
                Keys(
                    frozenset(shared_services[p.incident_id]),
                    keys.categories & {p.root_cause_category},
                ),
                names,
            ),
        )
        for p in earlier
    ]
    dismissals = RecurrenceDismissal.objects.filter(
        organization=organization, incident=incident, postmortem__in=[p.pk for p in earlier]
    )
    return _split(pairs, _dismissals(dismissals))


# --- The earlier postmortem: which incidents came back after its fix ---------------------------


def postmortem_keys(postmortem: Postmortem) -> tuple[Keys, dict[int, str]]:
    names = dict(
        IncidentService.objects.filter(
            organization=postmortem.organization_id, incident_id=postmortem.incident_id
        ).values_list("service_id", "service__name")
    )
    categories = {postmortem.root_cause_category} - {""}
    return Keys(frozenset(names), frozenset(categories)), names


def incidents_after(postmortem: Postmortem, keys: Keys) -> QuerySet[Incident]:
    """The incidents that started within the window after ``postmortem`` was remediated and
    share one of its keys."""
    return (
        Incident.objects.filter(
            organization=postmortem.organization_id,
            started_at__gt=postmortem.remediated_at,
            started_at__lte=postmortem.remediated_at + WINDOW,
        )
        .exclude(pk=postmortem.incident_id)
        .filter(
            Q(service_links__service_id__in=keys.services)
            | Q(postmortems__root_cause_category__in=keys.categories)
        )
        .distinct()
    )


def recurrences_after(*, postmortem: Postmortem) -> Recurrences:
    """The incidents that recurred after ``postmortem``'s action items were all completed,
    the earliest first (its read view). None, without a query, while it is not remediated;
    five queries otherwise."""
    if postmortem.remediated_at is None or postmortem.incident_id is None:
        return Recurrences()
    organization = postmortem.organization_id
    keys, names = postmortem_keys(postmortem)
    if not keys:
        return Recurrences()
    later = list(incidents_after(postmortem, keys).order_by("started_at", "pk")[:SHOWN])
    if not later:
        return Recurrences()
    ids = [i.pk for i in later]
    services: dict[int, set[int]] = defaultdict(set)
    for incident_id, service_id in IncidentService.objects.filter(
        organization=organization, incident_id__in=ids, service_id__in=keys.services
    ).values_list("incident_id", "service_id"):
        services[incident_id].add(service_id)
    categories: dict[int, set[str]] = defaultdict(set)
    for incident_id, category in Postmortem.objects.filter(
        organization=organization, incident_id__in=ids, root_cause_category__in=keys.categories
    ).values_list("incident_id", "root_cause_category"):
        categories[incident_id].add(category)
    earlier_ref = format_ref(postmortem.incident.year, postmortem.incident.number)
    pairs = [
        Recurrence(
            postmortem_number=postmortem.number,
            postmortem_title=postmortem.title,
            readable=True,
            earlier_ref=earlier_ref,
            incident_ref=incident.ref,
            incident_title=incident.title,
            started_at=incident.started_at,
            remediated_at=postmortem.remediated_at,
            items=postmortem.remediated_items,
            reasons=_reasons(
                Keys(frozenset(services[incident.pk]), frozenset(categories[incident.pk])),
                names,
            ),
        )
        for incident in later
    ]
    dismissals = RecurrenceDismissal.objects.filter(
        organization=organization, postmortem=postmortem, incident_id__in=ids
    )
    return _split(pairs, _dismissals(dismissals))


def is_recurrence(postmortem: Postmortem, incident: Incident) -> bool:
    """True when ``incident`` recurs ``postmortem`` by the rule (dismissed or not)."""
    if postmortem.remediated_at is None or postmortem.incident_id is None:
        return False
    keys, _ = postmortem_keys(postmortem)
    return bool(keys) and incidents_after(postmortem, keys).filter(pk=incident.pk).exists()
