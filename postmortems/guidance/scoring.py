"""The quality checklist fed from the database: one postmortem's checklist inputs, and the
scores of a page of postmortems in bulk (a fixed number of queries, not per row).

The checklist itself (``quality``) is pure; this module reads the incidents' facts (timeline
entry kinds, timestamps, links), sections, action items, dismissals and generated bodies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Subquery

from actionitems.models import ActionItem
from incidents.models import Incident, IncidentLink, TimelineEntry
from organizations.models import Organization
from postmortems.guidance import quality, timeline_phases
from postmortems.guidance.findings import people_names
from postmortems.models import LanguageDismissal, Postmortem, PostmortemIncident, Revision, Section

# --- The checklist inputs -----------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFacts:
    """What the checklist reads of a postmortem's incidents."""

    kinds: tuple[str, ...] = ()  # stands for the timeline entry kinds that matter
    times: dict = field(default_factory=dict)  # detected_at, acknowledged_at, … (any incident)
    links: int = 0


TIME_FIELDS = ("detected_at", "acknowledged_at", "mitigated_at", "resolved_at")


def incident_facts(organization: Organization, incident_ids: Iterable[int]) -> dict[int, dict]:
    """Per incident: whether its timeline has detection and response entries, its timestamps
    and how many links it has, in one query."""
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    entries = TimelineEntry.objects.filter(incident=OuterRef("pk"))
    links = (
        IncidentLink.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Incident.objects.filter(organization=organization, pk__in=ids)
        .annotate(
            has_detection=Exists(entries.filter(kind__in=timeline_phases.DETECTION_KINDS)),
            has_response=Exists(entries.filter(kind__in=timeline_phases.RESPONSE_KINDS)),
            link_count=Subquery(links),
        )
        .values("pk", "has_detection", "has_response", "link_count", *TIME_FIELDS)
    )
    return {row["pk"]: row for row in rows}


def merge_facts(rows: Iterable[dict]) -> IncidentFacts:
    kinds, times, links = set(), {}, 0
    for row in rows:
        if row["has_detection"]:
            kinds.add("ALERT")
        if row["has_response"]:
            kinds.add("ACTION")
        for name in TIME_FIELDS:
            times[name] = times.get(name) or row[name]
        links += row["link_count"] or 0
    return IncidentFacts(tuple(sorted(kinds)), times, links)


def postmortem_incident_ids(postmortem: Postmortem) -> list[int]:
    related = PostmortemIncident.objects.filter(
        organization_id=postmortem.organization_id, postmortem=postmortem
    ).values_list("incident_id", flat=True)
    return [i for i in [postmortem.incident_id, *related] if i is not None]


def checklist(
    postmortem: Postmortem,
    *,
    sections: Iterable[Any],
    action_items: Iterable[Any],
    facts: IncidentFacts,
    language_count: int,
    created: Mapping[str, str],
) -> list[quality.ChecklistItem]:
    return quality.quality_checklist(
        sections=sections,
        timeline_kinds=facts.kinds,
        incident_status_times=facts.times if facts.times else None,
        action_items=action_items,
        root_cause_category=postmortem.root_cause_category,
        evidence_link_count=facts.links,
        language_findings_count=language_count,
        created_bodies=created,
        postmortem=postmortem,
    )


# --- Scores for a page of postmortems -----------------------------------------------------------


def _created_bodies_bulk(postmortems: list[Postmortem]) -> dict[int, dict[str, str]]:
    """``selectors.created_bodies`` for many postmortems in one query (always one, so a page
    costs the same whatever the cache holds): the sections of each first revision."""
    first = Revision.objects.filter(postmortem=OuterRef("postmortem")).order_by("number")
    rows = Revision.objects.filter(
        postmortem_id__in=[p.pk for p in postmortems],
        number=Subquery(first.values("number")[:1]),
    ).values_list("postmortem_id", "snapshot__sections")
    return {
        pk: {s["key"]: s.get("body", "") for s in sections or [] if isinstance(s, dict)}
        for pk, sections in rows
    }


def list_scores(postmortems: list[Postmortem], organization: Organization) -> dict[int, int]:
    """The quality score of each postmortem of a list page, in a fixed number of queries
    (sections, action items, dismissals, related incidents, incident facts, member names and
    generated bodies), whatever the number of rows."""
    if not postmortems:
        return {}
    ids = [p.pk for p in postmortems]
    sections: dict[int, list[dict]] = defaultdict(list)
    for row in (
        Section.objects.filter(organization=organization, postmortem_id__in=ids)
        .order_by("position", "id")
        .values("postmortem_id", "key", "kind", "title", "body", "data", "required")
    ):
        sections[row.pop("postmortem_id")].append(row)
    items: dict[int, list[tuple]] = defaultdict(list)
    for pk, *fields in ActionItem.objects.filter(
        organization=organization, postmortem_id__in=ids
    ).values_list("postmortem_id", "owner_id", "due_date", "success_criteria", "status"):
        items[pk].append(tuple(fields))
    dismissed: dict[int, set[str]] = defaultdict(set)
    for pk, key in LanguageDismissal.objects.filter(
        organization=organization, postmortem_id__in=ids
    ).values_list("postmortem_id", "key"):
        dismissed[pk].add(key)
    incidents: dict[int, list[int]] = {
        p.pk: [p.incident_id] if p.incident_id else [] for p in postmortems
    }
    for pk, incident_id in PostmortemIncident.objects.filter(
        organization=organization, postmortem_id__in=ids
    ).values_list("postmortem_id", "incident_id"):
        incidents[pk].append(incident_id)
    facts = incident_facts(organization, (i for found in incidents.values() for i in found))
    created = _created_bodies_bulk(postmortems)
    people = people_names(organization)
    scores = {}
    for postmortem in postmortems:
        pk = postmortem.pk
        docs = sections[pk]
        count = quality.count_language_findings(docs, frozenset(dismissed[pk]), people)
        scores[pk] = quality.quality_score(
            checklist(
                postmortem,
                sections=docs,
                action_items=items[pk],
                facts=merge_facts(facts[i] for i in incidents[pk] if i in facts),
                language_count=count,
                created=created.get(pk, {}),
            )
        )
    return scores


def with_quality_scores(postmortems: list[Postmortem], organization: Organization) -> list:
    """The list page's rows with ``quality_score`` set (see ``list_scores``)."""
    scores = list_scores(postmortems, organization)
    for postmortem in postmortems:
        postmortem.quality_score = scores.get(postmortem.pk)
        postmortem.quality_band = score_band(postmortem.quality_score)
    return postmortems


def score_band(score: int | None) -> str:
    """good (≥ 85), fair (≥ 57: four of seven), poor, for the badge's colour."""
    if score is None:
        return ""
    return "good" if score >= 85 else "fair" if score >= 57 else "poor"
