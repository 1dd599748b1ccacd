"""Blameless-language guidance and the quality checklist, wired to the models.

The engines (``language``, ``quality``) are pure; this module feeds them from the database in
a fixed number of queries and stores what writers decide:

- selectors: a postmortem's dismissals, its checklist inputs, the findings of each section as
  the editor shows them, and the scores of a page of postmortems (bulk, not per row);
- services: dismiss and restore a language alarm, and submit for review with the checklist
  (failing items ask for confirmation; a confirmed submit keeps a ``QualitySnapshot`` of the
  round for its reviewers).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery

from actionitems.models import ActionItem
from incidents.models import Incident, IncidentLink, TimelineEntry
from organizations.models import Membership, Organization
from postmortems import selectors
from postmortems.guidance import quality
from postmortems.language import rules as language
from postmortems.models import (
    LanguageDismissal,
    Postmortem,
    PostmortemIncident,
    QualitySnapshot,
    Revision,
    Section,
)
from postmortems.review import transitions

CONTEXT_CHARS = 110  # how much of a long sentence is shown on each side of the phrase
KEY_FORMAT = re.compile(r"^(?P<rule>[a-z][a-z-]{1,40}):[0-9a-f]{12}$")

# Structured rows whose text is checked, with how the editor names where a finding is.
ROW_FIELDS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("rows", (("event", "Timeline event"),)),
    ("whys", (("why", "Why"), ("because", "Because"))),
    ("factors", (("title", "Factor"), ("description", "Factor"))),
)


# --- People and dismissals --------------------------------------------------------------------


def people_names(organization: Organization) -> tuple[str, ...]:
    """The members' first names, for the person rules: one query, kept on the request's
    organization object so every use in the request shares it."""
    cached = getattr(organization, "_guidance_people", None)
    if cached is None:
        cached = tuple(
            sorted(
                {
                    name
                    for name in Membership.objects.filter(organization=organization).values_list(
                        "user__first_name", flat=True
                    )
                    if name
                }
            )
        )
        organization._guidance_people = cached
    return cached


def dismissed_keys(postmortem: Postmortem) -> frozenset[str]:
    return frozenset(
        LanguageDismissal.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem
        ).values_list("key", flat=True)
    )


# --- Findings as the editor shows them ----------------------------------------------------------


@dataclass(frozen=True)
class ShownFinding:
    """A finding with its sentence cut around the phrase (each part escaped by the template)."""

    finding: language.Finding
    before: str
    phrase: str
    after: str
    where: str = ""  # "" for the section's text, else e.g. "Timeline event 3"

    @property
    def rule(self) -> language.Rule:
        return self.finding.rule

    @property
    def key(self) -> str:
        return self.finding.dismissal_key


def shown(finding: language.Finding, where: str = "") -> ShownFinding:
    sentence = finding.sentence
    phrase = " ".join(finding.phrase.split())
    index = sentence.lower().find(phrase.lower()) if phrase else -1
    if index == -1:
        return ShownFinding(finding, "", phrase or sentence, "", where)
    before, after = sentence[:index], sentence[index + len(phrase) :]
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].lstrip()
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rstrip() + "…"
    return ShownFinding(finding, before, sentence[index : index + len(phrase)], after, where)


@dataclass
class SectionFindings:
    key: str
    findings: list[ShownFinding] = field(default_factory=list)  # not dismissed
    dismissed: list[ShownFinding] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.findings)


def row_texts(data: Any) -> list[tuple[str, str]]:
    """(where, text) for each filled text field of a section's structured rows."""
    found = []
    if not isinstance(data, Mapping):
        return found
    for name, fields in ROW_FIELDS:
        rows = data.get(name)
        if not isinstance(rows, list):
            continue
        for number, row in enumerate((r for r in rows if isinstance(r, dict)), start=1):
            for field_name, label in fields:
                text = str(row.get(field_name) or "")
                if text.strip():
                    found.append((f"{label} {number}", text))
    return found


SEGMENT_BREAK = "\n\n"


def section_findings(
    key: str,
    body: str,
    data: Any,
    *,
    dismissed: frozenset[str],
    people: Iterable[str],
) -> SectionFindings:
    """The findings of one section's text and of its rows, split into shown and dismissed."""
    result = SectionFindings(key)
    segments = [("", body), *row_texts(data)]
    starts, offset = [], 0
    for _, text in segments:
        starts.append(offset)
        offset += len(text) + len(SEGMENT_BREAK)
    # One pass over the section and all its rows (a timeline has hundreds): the paragraph
    # break between them ends every sentence, so each finding belongs to one segment.
    joined = SEGMENT_BREAK.join(text for _, text in segments)
    for finding in language.check(joined, people=people):
        where = segments[bisect_right(starts, finding.start) - 1][0]
        target = result.dismissed if finding.dismissal_key in dismissed else result.findings
        target.append(shown(finding, where))
    return result


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
            has_detection=Exists(entries.filter(kind__in=quality.DETECTION_KINDS)),
            has_response=Exists(entries.filter(kind__in=quality.RESPONSE_KINDS)),
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


@dataclass
class Guidance:
    """The editor's guidance: findings per section and the checklist."""

    sections: dict[str, SectionFindings]
    items: list[quality.ChecklistItem]

    @property
    def score(self) -> int:
        return quality.quality_score(self.items)

    @property
    def failing(self) -> list[quality.ChecklistItem]:
        return quality.failing(self.items)

    @property
    def band(self) -> str:
        return score_band(self.score)

    @property
    def passed_count(self) -> int:
        return len(self.items) - len(self.failing)


def postmortem_guidance(
    postmortem: Postmortem,
    *,
    sections: list[Section] | None = None,
    texts: Mapping[str, str] | None = None,
    action_items: Iterable[Any] | None = None,
    created: Mapping[str, str] | None = None,
    incident_ids: list[int] | None = None,
) -> Guidance:
    """Findings and checklist for one postmortem in a fixed number of queries: dismissals,
    member names (once per request), incident facts; sections, action items, generated bodies
    and related incidents only when the caller has not loaded them. ``texts`` overrides
    sections' bodies (a writer's text the server refused to save, still on the page)."""
    if sections is None:
        sections = selectors.sections_of(postmortem)
    if action_items is None:
        action_items = ActionItem.objects.filter(
            organization_id=postmortem.organization_id, postmortem=postmortem
        ).values_list("owner_id", "due_date", "success_criteria", "status")
    if created is None:
        created = selectors.created_bodies(postmortem)
    texts = texts or {}
    dismissed = dismissed_keys(postmortem)
    people = people_names(postmortem.organization)
    found = {
        s.key: section_findings(
            s.key, texts.get(s.key, s.body), s.data, dismissed=dismissed, people=people
        )
        for s in sections
    }
    if incident_ids is None:
        incident_ids = postmortem_incident_ids(postmortem)
    facts = merge_facts(incident_facts(postmortem.organization, incident_ids).values())
    items = checklist(
        postmortem,
        sections=sections,
        action_items=action_items,
        facts=facts,
        language_count=sum(f.count for f in found.values()),
        created=created,
    )
    return Guidance(found, items)


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


# --- Dismissing a false alarm ------------------------------------------------------------------


def validate_key(key: str) -> str:
    key = (key or "").strip()
    match = KEY_FORMAT.match(key)
    if match is None or match.group("rule") not in language.RULES_BY_ID:
        raise ValidationError("This is not a language finding that can be dismissed.")
    return key


@transaction.atomic
def language_dismiss(
    *, postmortem: Postmortem, actor: AbstractBaseUser, key: str
) -> LanguageDismissal:
    """Mark one rule's alarm on one sentence as not a problem here (idempotent)."""
    dismissal, _ = LanguageDismissal.objects.get_or_create(
        organization_id=postmortem.organization_id,
        postmortem=postmortem,
        key=validate_key(key),
        defaults={"dismissed_by": actor},
    )
    return dismissal


@transaction.atomic
def language_restore(*, postmortem: Postmortem, actor: AbstractBaseUser, key: str) -> bool:
    """Show a dismissed alarm again; ``False`` when it was not dismissed."""
    deleted, _ = LanguageDismissal.objects.filter(
        organization_id=postmortem.organization_id, postmortem=postmortem, key=validate_key(key)
    ).delete()
    return bool(deleted)


# --- Submitting with the checklist -------------------------------------------------------------


class NeedsConfirmation(Exception):
    """Submitting would succeed, but checklist items are failing: ask the writer first."""

    def __init__(self, failing: list[quality.ChecklistItem], score: int):
        super().__init__(f"{len(failing)} checklist items are failing.")
        self.failing = failing
        self.score = score


_CARRIED = ("status", "review_round", "submitted_at", "published_at", "archived_at")


def postmortem_submit_checked(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser,
    reviewers: list[AbstractBaseUser] | None = None,
    confirmed: bool = False,
) -> Postmortem:
    """``transitions.postmortem_submit`` with the quality checklist.

    The workflow's own refusals (rights, status, required sections, reviewers) come first: the
    submit runs in a transaction, and when items are failing and the writer has not confirmed,
    it is rolled back and ``NeedsConfirmation`` names them. Otherwise the round's snapshot of
    the failing items is stored in the same transaction, for its reviewers."""
    guidance = postmortem_guidance(postmortem)
    failing, score = guidance.failing, guidance.score
    before = {name: getattr(postmortem, name) for name in _CARRIED}
    try:
        with transaction.atomic():
            result = transitions.postmortem_submit(
                postmortem=postmortem, actor=actor, reviewers=reviewers
            )
            if failing and not confirmed:
                raise NeedsConfirmation(failing, score)
            QualitySnapshot.objects.update_or_create(
                organization_id=postmortem.organization_id,
                postmortem=postmortem,
                round=result.review_round,
                defaults={
                    "failing": [
                        {"key": i.key, "label": i.label, "detail": i.detail} for i in failing
                    ],
                    "score": score,
                },
            )
    except NeedsConfirmation:
        for name, value in before.items():  # the rolled-back submit changed the instance
            setattr(postmortem, name, value)
        raise
    return result


def quality_snapshot(postmortem: Postmortem) -> QualitySnapshot | None:
    """The snapshot of the postmortem's latest review round, if it was submitted with one."""
    if not postmortem.review_round:
        return None
    return QualitySnapshot.objects.filter(
        organization_id=postmortem.organization_id,
        postmortem=postmortem,
        round=postmortem.review_round,
    ).first()
