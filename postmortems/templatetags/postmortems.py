"""Template tags of the postmortem editor. ``{% load postmortems %}``."""

from datetime import datetime

from django import template
from django.utils.safestring import SafeString, mark_safe

from postmortems.editor.forms import FACTOR_CATEGORIES, FACTOR_LEVELS, TimelineRowForm
from postmortems.editor.services import content_digest

register = template.Library()

ICON_PATHS = {
    "up": ("M8 12.5v-9M4 7.5l4-4 4 4", "1.6"),
    "down": ("M8 3.5v9M4 8.5l4 4 4-4", "1.6"),
    "delete": ("M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.6 8.5h5.8l.6-8.5", "1.4"),
    "plus": ("M8 3.5v9M3.5 8h9", "1.7"),
    "pull": ("M8 2.5v8M4.5 7l3.5 3.5L11.5 7M3 13.5h10", "1.6"),
}
ICON_SPRITE = mark_safe(  # noqa: S308 -- constant markup, no user input
    '<svg xmlns="http://www.w3.org/2000/svg" hidden>'
    + "".join(
        f'<symbol id="pm-i-{name}" viewBox="0 0 16 16"><path d="{path}" fill="none" '
        f'stroke="currentColor" stroke-width="{width}" stroke-linecap="round" '
        f'stroke-linejoin="round"/></symbol>'
        for name, (path, width) in ICON_PATHS.items()
    )
    + "</svg>"
)
ICONS = {
    name: mark_safe(  # noqa: S308 -- constant markup, no user input
        f'<svg width="14" height="14" aria-hidden="true"><use href="#pm-i-{name}"/></svg>'
    )
    for name in ICON_PATHS
}
LEVEL_LABELS = dict(FACTOR_LEVELS)
CATEGORY_LABELS = dict(FACTOR_CATEGORIES)


@register.simple_tag
def icon_sprite() -> SafeString:
    """The editor's icons, drawn once per page; ``{% icon %}`` points at them."""
    return ICON_SPRITE


@register.simple_tag
def icon(name: str) -> SafeString:
    """A small stroke icon of the editor's row tools (``{% icon "delete" %}``): a reference
    to the page's sprite, so a long timeline does not repeat the drawing on every row."""
    return ICONS[name]


@register.filter
def digest(value) -> str:
    """The fingerprint a save sends as ``base_digest`` (see ``editor.services``)."""
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
