"""Template filters of the postmortem read view: structured sections shaped for display.

``{% load documents %}``. Every filter takes stored (untrusted) section data and returns plain
values; the templates escape them, and free text goes through ``|markdown``.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from organizations.fragments import render_cached

from ..services import content_digest
from ..timeline import rows_in_time_order

register = template.Library()

FACTOR_LEVELS = (
    ("primary", "Primary factors", "Directly produced the failure."),
    ("secondary", "Secondary factors", "Amplified the impact or delayed resolution."),
    ("environmental", "Environmental factors", "Timing, capacity and third parties."),
)
CATEGORY_LABELS = {
    "code": "Code",
    "config": "Config",
    "infrastructure": "Infrastructure",
    "dependencies": "Dependencies",
    "testing": "Testing",
    "review": "Review",
    "deployment": "Deployment",
    "monitoring": "Monitoring",
    "knowledge": "Knowledge",
    "communication": "Communication",
    "resources": "Resources",
    "incentives": "Incentives",
}
DIFF_CONTEXT = 3
TIMELINE_TABLE = "postmortems/read/_timeline_table.html"


@dataclass
class TimelineRow:
    moment: datetime | None  # in the current (organization's) time zone
    raw_time: str  # shown when the stored time cannot be read
    event: str
    actor: str
    key: bool
    new_day: bool  # the first row of a calendar day


@register.filter
def timeline_rows(data: dict | None) -> list[TimelineRow]:
    """The timeline section's ``data["rows"]`` in time order (whatever order they were stored
    in), with times in the current time zone."""
    rows, previous_day = [], None
    for row in rows_in_time_order(_list(data, "rows")):
        moment = _local(str(row.get("time") or ""))
        day = moment.date() if moment else None
        rows.append(
            TimelineRow(
                moment=moment,
                raw_time=str(row.get("time") or ""),
                event=str(row.get("event") or ""),
                actor=str(row.get("actor") or ""),
                key=bool(row.get("key")),
                new_day=day is not None and day != previous_day,
            )
        )
        previous_day = day or previous_day
    return rows


@register.filter
def has_timeline_rows(data: dict | None) -> bool:
    return bool(_list(data, "rows"))


@register.simple_tag(takes_context=True)
def timeline_table(context, section) -> SafeString:
    """The timeline section's table. Cached under what it shows (the rows, the incident's start
    the T+ offsets count from, the time zone): a long timeline is drawn once per change rather
    than on every view of the document."""
    organization, incident = context.get("organization"), context.get("incident")
    shown = (
        section.key,
        content_digest(section.data),
        incident.started_at.isoformat() if incident and incident.started_at else None,
    )
    fragment = {"data": section.data, "organization": organization, "incident": incident}
    shared = (organization.pk, organization.time_zone) if organization else (None, None)
    return render_cached(TIMELINE_TABLE, [(shown, fragment)], shared=shared)


def _local(value: str) -> datetime | None:
    try:
        moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return timezone.localtime(moment)


@register.filter
def filled_whys(data: dict | None) -> list[dict]:
    """The five-whys chain without the steps nobody has written yet."""
    whys = [
        {"why": str(w.get("why") or "").strip(), "because": str(w.get("because") or "").strip()}
        for w in _list(data, "whys")
    ]
    return [w for w in whys if w["why"] or w["because"]]


@register.filter
def factor_levels(data: dict | None) -> list[dict]:
    """Contributing factors grouped by level (primary, secondary, environmental, then any
    other level the data holds), empty levels left out."""
    factors = [f for f in _list(data, "factors") if f.get("title") or f.get("description")]
    known = {level for level, _, _ in FACTOR_LEVELS}
    groups = [
        {
            "level": level,
            "title": title,
            "hint": hint,
            "factors": [f for f in factors if f.get("level") == level],
        }
        for level, title, hint in FACTOR_LEVELS
    ]
    others = [f for f in factors if f.get("level") not in known]
    groups.append({"level": "other", "title": "Other factors", "hint": "", "factors": others})
    return [group for group in groups if group["factors"]]


@register.filter
def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(str(category or "").lower(), str(category or "").capitalize())


@register.filter
def money(value: Decimal | None) -> str:
    """``12000`` → "$12,000", ``1234.5`` → "$1,234.50"."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"${value:,.0f}"
    return f"${value:,.2f}"


@register.filter
def section_anchor(key: str) -> str:
    return f"section-{key}"


@register.filter
def diff_rows(lines: list[tuple[str, str]]) -> list[dict]:
    """A section's line diff with long unchanged stretches folded to ``DIFF_CONTEXT`` lines
    either side of a change: ``{"sign", "text"}`` rows and ``{"skipped": n}`` folds."""
    changed = [i for i, (sign, _) in enumerate(lines) if sign != " "]
    keep = {
        j
        for i in changed
        for j in range(max(0, i - DIFF_CONTEXT), min(len(lines), i + DIFF_CONTEXT + 1))
    }
    rows: list[dict] = []
    skipped = 0
    for index, (sign, text) in enumerate(lines):
        if index in keep:
            if skipped:
                rows.append({"skipped": skipped})
                skipped = 0
            rows.append({"sign": sign, "text": text})
        else:
            skipped += 1
    if skipped:
        rows.append({"skipped": skipped})
    return rows


def _list(data: dict | None, name: str) -> list[dict]:
    value = (data or {}).get(name) if isinstance(data, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


@register.filter
def ago(moment: datetime | None) -> str:
    """ "3 hours ago", "just now": the largest unit only."""
    if moment is None:
        return "—"
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"
