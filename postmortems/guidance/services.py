"""Blameless-language guidance and the quality checklist, wired to the models.

The engines (``language``, ``quality``) are pure; this module feeds them from the database in
a fixed number of queries and stores what writers decide:

- selectors: a postmortem's guidance (findings per section and the checklist), built on
  ``findings`` (what the editor shows of the language rules) and ``scoring`` (the checklist's
  inputs; the scores of a list page);
- services: dismiss and restore a language alarm, and submit for review with the checklist
  (failing items ask for confirmation; a confirmed submit keeps a ``QualitySnapshot`` of the
  round for its reviewers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from actionitems.models import ActionItem
from postmortems import selectors
from postmortems.guidance import quality
from postmortems.guidance.findings import (
    SectionFindings,
    dismissed_keys,
    people_names,
    section_findings,
)
from postmortems.guidance.scoring import (
    checklist,
    incident_facts,
    merge_facts,
    postmortem_incident_ids,
    score_band,
)
from postmortems.language import rules as language
from postmortems.models import LanguageDismissal, Postmortem, QualitySnapshot, Section
from postmortems.review import transitions

KEY_FORMAT = re.compile(r"^(?P<rule>[a-z][a-z-]{1,40}):[0-9a-f]{12}$")


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
