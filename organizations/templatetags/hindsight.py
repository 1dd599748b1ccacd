from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from organizations.markdown import render_markdown
from organizations.people import SYSTEM, display_name
from organizations.roles import can as membership_can

register = template.Library()


@register.filter
def can(membership, action: str) -> bool:
    """``{% if membership|can:"manage_members" %}`` — the same rule the views enforce."""
    return membership_can(membership, action)


@register.filter(name="display_name")
def display_name_filter(user, missing: str = SYSTEM) -> str:
    """``{{ comment.author|display_name:"A former member" }}``: full name, else username; the
    argument (default "Hindsight", the system) when there is no user."""
    return display_name(user, missing)


@register.filter
def initials(user) -> str:
    name = display_name(user)
    parts = name.split()
    letters = "".join(p[0] for p in parts[:2]) if len(parts) > 1 else name[:2]
    return letters.upper()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """``{{ incident.description|markdown }}`` — sanitised HTML from untrusted markdown."""
    return render_markdown(text or "")


@register.filter
def duration(value: timedelta | None) -> str:
    """A timedelta as people say it: "45s", "14m", "2h 14m", "3d 4h"; "—" when unknown."""
    if value is None:
        return "—"
    sign = "−" if value < timedelta(0) else ""
    return sign + _human_span(abs(value))


def _human_span(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


@register.filter
def t_offset(moment: datetime | None, origin: datetime | None) -> str:
    """Time relative to the start of impact: "T+1h 05m", "T+0m", "T−5m"."""
    if moment is None or origin is None:
        return ""
    delta = moment - origin
    sign = "−" if delta < timedelta(0) else "+"
    minutes = int(abs(delta).total_seconds()) // 60
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"T{sign}{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"T{sign}{hours}h {minutes:02d}m"
    return f"T{sign}{minutes}m"


@register.filter
def http_url(url: str) -> str:
    """The URL when it is http(s), else "" — for hrefs built from stored, untrusted links."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


@register.filter
def iso_time(value) -> str:
    """ISO 8601 in the active time zone, for ``<time datetime>`` (a fast ``date:'c'``)."""
    return timezone.localtime(value).isoformat() if value else ""


@register.filter
def clock(value) -> str:
    """``HH:MM`` in the active time zone (a fast ``date:'H:i'`` for long lists)."""
    return timezone.localtime(value).strftime("%H:%M") if value else ""
