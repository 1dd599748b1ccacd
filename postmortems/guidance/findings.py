"""Blameless-language findings as the editor shows them, fed from the database.

The members' first names (for the person rules) and a postmortem's dismissals, each in one
query; the findings of one section's text and structured rows, with each sentence cut around
its phrase and split into shown and dismissed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from organizations.models import Membership, Organization
from postmortems.language import rules as language
from postmortems.models import LanguageDismissal, Postmortem

CONTEXT_CHARS = 110  # how much of a long sentence is shown on each side of the phrase

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
