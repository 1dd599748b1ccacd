"""Which phases of an incident (detection, response, resolution) a postmortem's timeline
records, for the quality checklist. No queries here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from postmortems.guidance.section_text import SectionView, filled_rows
from postmortems.models import SectionKind

DETECTION_KINDS = {"ALERT", "DETECTION"}
RESPONSE_KINDS = {"ACTION", "DECISION", "COMMUNICATION"}
# Words in a timeline row that say which phase it belongs to.
_PHASE_WORDS = {
    "detection": re.compile(
        r"\b(?:alert\w*|alarm\w*|fired|detect\w*|paged|pages?|reported|noticed|spotted|"
        r"triggered|first\s+(?:error|report|symptom)s?)\b",
        re.IGNORECASE,
    ),
    "response": re.compile(
        r"\b(?:acknowledg\w*|ack(?:ed|'d)|triag\w*|investigat\w*|declared|escalat\w*|"
        r"roll(?:ed|ing)?\s*back|rollback|revert\w*|mitigat\w*|fail(?:ed|ing)?\s*over|failover|"
        r"restart\w*|hotfix\w*|paused?|disabled?|scaled|drain\w*|joined|status\s+page)\b",
        re.IGNORECASE,
    ),
    "resolution": re.compile(
        r"\b(?:resolved|resolution|recovered|recovery|restored|back\s+to\s+normal|all\s+clear|"
        r"closed|back\s+at\s+baseline|fully\s+operational)\b",
        re.IGNORECASE,
    ),
}
_PHASE_TIMES = {
    "detection": ("detected_at",),
    "response": ("acknowledged_at", "mitigated_at"),
    "resolution": ("resolved_at",),
}


def _time(source: Any, name: str) -> Any:
    if source is None:
        return None
    return source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)


def timeline_phases(
    *, sections: list[SectionView], timeline_kinds: Iterable[str], incident_status_times: Any
) -> set[str]:
    """Which of detection, response and resolution the timeline records: from the incident's
    timestamps, the kinds of its timeline entries (alert / detection; action, decision,
    communication) and the words of the postmortem's own timeline rows."""
    kinds = {str(kind).upper() for kind in timeline_kinds}
    found = set()
    if kinds & DETECTION_KINDS:
        found.add("detection")
    if kinds & RESPONSE_KINDS:
        found.add("response")
    for phase, names in _PHASE_TIMES.items():
        if any(_time(incident_status_times, name) for name in names):
            found.add(phase)
    events = [
        str(row.get("event") or "")
        for section in sections
        if section.kind == SectionKind.TIMELINE
        for row in filled_rows(section.data, "rows", ("event",))
    ]
    for phase, words in _PHASE_WORDS.items():
        if phase not in found and any(words.search(event) for event in events):
            found.add(phase)
    return found
