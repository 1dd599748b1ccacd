"""The postmortem quality checklist: blameless wording, a complete timeline, the root
cause, contributing factors, owned and dated action items, lessons learned and linked evidence.

Computed from plain inputs (sections as dicts or objects, the incident's entry kinds and
timestamps, action-item tuples, counts), so a page can feed it from the queries it already runs
and the list can score many postmortems without reading each one again. No queries here.

Whether a section is written is read by ``section_text``; which phases the timeline records by
``timeline_phases``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from postmortems.guidance.section_text import (
    filled_rows,
    has_prose,
    named_like,
    section_texts,
    section_view,
    section_written,
)
from postmortems.guidance.timeline_phases import timeline_phases
from postmortems.language import rules as language
from postmortems.models import RootCauseCategory, SectionKind


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    passed: bool
    detail: str  # what is missing (or, when passed, what was found), in words


LABELS = {
    "blameless": "Blameless wording",
    "timeline": "Timeline complete",
    "root_cause": "Root cause identified",
    "contributing_factors": "Contributing factors listed",
    "action_items": "Action items owned, dated and measurable",
    "lessons": "Lessons learned captured",
    "evidence": "Evidence linked",
}


# --- The items -------------------------------------------------------------------------------


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _blameless(findings: int) -> ChecklistItem:
    detail = (
        "No wording that blames a person or argues with hindsight."
        if not findings
        else f"{_plural(findings, 'phrase reads', 'phrases read')} as blame or hindsight: "
        "reword them or dismiss the false alarms."
    )
    return ChecklistItem("blameless", LABELS["blameless"], not findings, detail)


def _timeline(sections, timeline_kinds, incident_status_times) -> ChecklistItem:
    found = timeline_phases(
        sections=sections,
        timeline_kinds=timeline_kinds,
        incident_status_times=incident_status_times,
    )
    missing = [phase for phase in ("detection", "response", "resolution") if phase not in found]
    if not missing:
        detail = "Detection, response and resolution are all on the timeline."
    elif len(missing) == 3:
        detail = (
            "No timeline yet: add when it was detected, how the team responded and when it was "
            "resolved."
        )
    else:
        detail = f"Missing from the timeline: {' and '.join(missing)}."
    return ChecklistItem("timeline", LABELS["timeline"], not missing, detail)


_ROOT_CAUSE_KEYS = {
    "root-cause",
    "root-causes",
    "root-cause-analysis",
    "root-cause-summary",
    "what-happened-and-why",
    "attack-vector",
}
_ROOT_CAUSE_TITLE = re.compile(r"\broot[\s-]+causes?\b|what\s+happened\s+and\s+why", re.I)


def _root_cause(sections, created, postmortem, category: str) -> ChecklistItem:
    """A root-cause category, and the root cause written in a root-cause section or reached by
    answered whys (the five-whys section's body is only its symptom line)."""
    candidates = [
        s
        for s in sections
        if s.kind == SectionKind.FIVE_WHYS or named_like(s, _ROOT_CAUSE_KEYS, _ROOT_CAUSE_TITLE)
    ]
    written = any(
        filled_rows(s.data, "whys", ("because",))
        if s.kind == SectionKind.FIVE_WHYS
        else section_written(s, created.get(s.key), postmortem)
        for s in candidates
    )
    problems = []
    if not category:
        problems.append("choose a root-cause category")
    if not candidates:
        problems.append("add a root-cause section")
    elif not written:
        problems.append("write the root cause")
    if problems:
        detail = "; ".join(problems)
        return ChecklistItem(
            "root_cause", LABELS["root_cause"], False, detail[0].upper() + detail[1:] + "."
        )
    label = dict(RootCauseCategory.choices).get(category, category)
    return ChecklistItem("root_cause", LABELS["root_cause"], True, f"Category: {label}.")


_FACTOR_KEYS = {"contributing-factors", "contributing-factor", "factors"}
_FACTOR_TITLE = re.compile(r"\bcontributing\s+factors?\b", re.I)


def _contributing_factors(sections, created, postmortem) -> ChecklistItem:
    candidates = [
        s
        for s in sections
        if s.kind == SectionKind.CONTRIBUTING_FACTORS or named_like(s, _FACTOR_KEYS, _FACTOR_TITLE)
    ]
    factors = sum(len(filled_rows(s.data, "factors", ("title", "description"))) for s in candidates)
    described = any(
        has_prose(s.body) and section_written(s, created.get(s.key), postmortem) for s in candidates
    )
    label = LABELS["contributing_factors"]
    if factors:
        return ChecklistItem(
            "contributing_factors", label, True, f"{_plural(factors, 'factor', 'factors')} listed."
        )
    if described:
        return ChecklistItem("contributing_factors", label, True, "Described in the section text.")
    detail = (
        "No contributing-factors section: add one listing the conditions that made this possible."
        if not candidates
        else "No contributing factors listed yet."
    )
    return ChecklistItem("contributing_factors", label, False, detail)


def _item_fields(item: Any) -> tuple[Any, Any, str, str]:
    if isinstance(item, Mapping):
        values = (item.get(k) for k in ("owner_id", "due_date", "success_criteria", "status"))
        owner, due, criteria, status = values
    elif isinstance(item, tuple | list):
        owner, due, criteria, status = item
    else:
        owner, due = getattr(item, "owner_id", None), getattr(item, "due_date", None)
        criteria, status = getattr(item, "success_criteria", ""), getattr(item, "status", "")
    return owner, due, str(criteria or ""), str(status or "")


def _action_items(action_items: Iterable[Any]) -> ChecklistItem:
    items = [_item_fields(item) for item in action_items]
    counted = [item for item in items if item[3] != "WONT_DO"]
    label = LABELS["action_items"]
    if not counted:
        detail = "No action items yet." if not items else "Every action item is marked won't do."
        return ChecklistItem("action_items", label, False, detail)
    gaps = [
        (sum(1 for owner, *_ in counted if owner is None), "no owner"),
        (sum(1 for _, due, *_ in counted if due is None), "no due date"),
        (sum(1 for _, _, criteria, _ in counted if not criteria.strip()), "no success criteria"),
    ]
    missing = [
        f"{_plural(count, 'action item has', 'action items have')} {what}"
        for count, what in gaps
        if count
    ]
    if missing:
        detail = "; ".join(missing)
        return ChecklistItem("action_items", label, False, detail[0].upper() + detail[1:] + ".")
    total = len(counted)
    detail = (
        "1 action item, with an owner, a due date and success criteria."
        if total == 1
        else f"{total} action items, each with an owner, a due date and success criteria."
    )
    return ChecklistItem("action_items", label, True, detail)


_LESSON_PARTS = {
    "what went well": (
        {"went-well", "what-went-well"},
        re.compile(r"(?:what\s+)?went\s+well|what\s+worked", re.I),
    ),
    "what went poorly": (
        {"went-poorly", "what-went-poorly", "went-wrong", "what-went-wrong"},
        re.compile(
            r"(?:what\s+)?went\s+(?:poorly|badly|wrong)|didn['’]t\s+go\s+(?:so\s+)?well|"
            r"what\s+didn['’]t\s+work|could\s+(?:have\s+gone\s+|go\s+)?better|"
            r"what\s+(?:to|we\s+can)\s+improve",
            re.I,
        ),
    ),
    "where we got lucky": (
        {"got-lucky", "where-we-got-lucky", "lucky", "luck"},
        re.compile(r"(?:where\s+)?we\s+got\s+lucky|\blucky\b|\bluck\b", re.I),
    ),
}
_LESSONS_KEYS = {"lessons-learned", "lessons-learnt", "lessons", "learnings", "key-learnings"}
_LESSONS_TITLE = re.compile(r"\blessons?\b|\blearnings?\b", re.I)
_LINE_MARKUP = re.compile(r"^[ \t]*(?:#{1,6}[ \t]*|(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*|__)?[ \t]*")
_LABEL_END = re.compile(r"^[ \t*_:.—–-]*")


def lessons_in_body(body: str) -> set[str]:
    """The parts of lessons learned that have text under their heading, or after their label on
    the same line ("**What went well:** the alert fired within two minutes"), in one section's
    markdown. Another heading ends a part."""
    captured: set[str] = set()
    current, content = None, []
    for line in (body or "").split("\n"):
        head = _LINE_MARKUP.sub("", line, count=1)
        part, label = next(
            ((name, m) for name, (_, words) in _LESSON_PARTS.items() if (m := words.match(head))),
            (None, None),
        )
        if part is not None or line.lstrip().startswith("#"):
            if current and has_prose("\n".join(content)):
                captured.add(current)
            current = part
            content = [_LABEL_END.sub("", head[label.end() :], count=1)] if label else []
        else:
            content.append(line)
    if current and has_prose("\n".join(content)):
        captured.add(current)
    return captured


def _lessons(sections, created, postmortem) -> ChecklistItem:
    captured: set[str] = set()
    places = 0
    for section in sections:
        for part, (keys, words) in _LESSON_PARTS.items():
            if section.key in keys or (section.title and words.fullmatch(section.title.strip())):
                places += 1
                if section_written(section, created.get(section.key), postmortem):
                    captured.add(part)
        if named_like(section, _LESSONS_KEYS, _LESSONS_TITLE):
            places += 1
            if section_written(section, created.get(section.key), postmortem):
                captured |= lessons_in_body(section.body)
    label = LABELS["lessons"]
    missing = [part for part in _LESSON_PARTS if part not in captured]
    if not missing:
        return ChecklistItem(
            "lessons",
            label,
            True,
            "What went well, what went poorly and where we got lucky are written.",
        )
    if not places:
        detail = (
            "No lessons-learned section: add what went well, what went poorly and where we "
            "got lucky."
        )
    else:
        detail = f"Not written yet: {', '.join(missing)}."
    return ChecklistItem("lessons", label, False, detail)


_LINK = re.compile(r"\]\(([^)\s]+)[^)]*\)|<?(https?://[^\s<>)\]]+)")
_EVIDENCE_KEYS = {"linked-evidence", "evidence", "links", "supporting-data"}


def _urls(text: str) -> set[str]:
    return {a or b for a, b in _LINK.findall(text or "")}


def _evidence(sections, created, evidence_link_count: int) -> ChecklistItem:
    """The incidents' links, plus links written into an evidence section (those the template
    generated from the same incident links are not counted twice)."""
    in_sections = sum(
        len(_urls(s.body) - _urls(created.get(s.key, "")))
        for s in sections
        if s.kind == SectionKind.LINKS or s.key in _EVIDENCE_KEYS
    )
    total = max(0, evidence_link_count) + in_sections
    label = LABELS["evidence"]
    if total:
        return ChecklistItem(
            "evidence", label, True, f"{_plural(total, 'link', 'links')} to supporting evidence."
        )
    return ChecklistItem(
        "evidence",
        label,
        False,
        "No evidence linked: link the alerts, logs, dashboards or tickets that support the "
        "timeline.",
    )


def quality_checklist(
    *,
    sections: Iterable[Any],
    timeline_kinds: Iterable[str] = (),
    incident_status_times: Any = None,
    action_items: Iterable[Any] = (),
    root_cause_category: str = "",
    evidence_link_count: int = 0,
    language_findings_count: int = 0,
    created_bodies: Mapping[str, str] | None = None,
    postmortem: Any = None,
) -> list[ChecklistItem]:
    """The seven checks, in the order the editor shows them.

    ``sections``: ``Section`` objects or dicts with key, kind, title, body, data, required.
    ``timeline_kinds``: ``EntryKind`` values of the incident's timeline entries.
    ``incident_status_times``: the incident (or a dict) with detected_at, acknowledged_at,
    mitigated_at, resolved_at; ``None`` without an incident.
    ``action_items``: ``(owner_id, due_date, success_criteria, status)`` tuples, dicts or
    ``ActionItem`` objects; items marked WONT_DO are left out.
    ``evidence_link_count``: the incidents' linked alerts, errors, releases, dashboards…
    ``language_findings_count``: undismissed ``language.check`` findings in the document.
    ``created_bodies``: each section's body as generated (``selectors.created_bodies``), so an
    untouched generated body does not count as written; ``postmortem`` is only read for impact
    figures."""
    views = [section_view(s) for s in sections]
    created = created_bodies or {}
    return [
        _blameless(language_findings_count),
        _timeline(views, timeline_kinds, incident_status_times),
        _root_cause(views, created, postmortem, root_cause_category or ""),
        _contributing_factors(views, created, postmortem),
        _action_items(action_items),
        _lessons(views, created, postmortem),
        _evidence(views, created, evidence_link_count),
    ]


def quality_score(items: Iterable[ChecklistItem]) -> int:
    """The share of checks passed, 0–100, rounded half up (0 for no checks)."""
    items = list(items)
    if not items:
        return 0
    passed = sum(1 for item in items if item.passed)
    return (200 * passed + len(items)) // (2 * len(items))


def failing(items: Iterable[ChecklistItem]) -> list[ChecklistItem]:
    return [item for item in items if not item.passed]


def count_language_findings(
    sections: Iterable[Any], dismissed: Iterable[str] = frozenset(), people: Iterable[str] = ()
) -> int:
    """Undismissed blame and hindsight findings across every section's prose."""
    dismissed, people = frozenset(dismissed), tuple(people)
    return sum(
        len(language.check(text, dismissed, people=people))
        for section in sections
        for text in section_texts(section)
    )
