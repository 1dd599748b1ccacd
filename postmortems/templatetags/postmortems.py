"""Template tags of the postmortem editor. ``{% load postmortems %}``."""

from datetime import datetime

from django import template

from postmortems.forms import FACTOR_CATEGORIES, FACTOR_LEVELS, TimelineRowForm
from postmortems.services_impact import content_digest

register = template.Library()

LEVEL_LABELS = dict(FACTOR_LEVELS)
CATEGORY_LABELS = dict(FACTOR_CATEGORIES)


@register.filter
def digest(value) -> str:
    """The fingerprint a save sends as ``base_digest`` (see ``services_impact``)."""
    return content_digest(value if value is not None else "")


@register.filter
def textarea_rows(text: str, minimum: int = 4) -> int:
    """A textarea tall enough for its text (the editor's script grows it as the writer types)."""
    lines = (text or "").count("\n") + 1 + len(text or "") // 110
    return max(int(minimum), min(lines + 1, 28))


@register.filter
def epoch_ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


@register.filter
def level_label(level: str) -> str:
    return LEVEL_LABELS.get(str(level), str(level or "—"))


@register.filter
def category_name(category: str) -> str:
    return CATEGORY_LABELS.get(str(category), str(category or "—"))


@register.filter
def timeline_moment(row: dict):
    """A stored timeline row's time as an aware datetime (shown in the current time zone)."""
    return TimelineRowForm.initial_of(row)["time"] if isinstance(row, dict) else None


@register.filter
def listed(data, name: str) -> list[dict]:
    """``data[name]`` when it is a list of objects, else nothing (stored data is untrusted)."""
    value = data.get(name) if isinstance(data, dict) else None
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []
