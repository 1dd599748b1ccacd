"""Rendered fragments cached under a key made of what they show.

A long timeline or a list page is many near-identical template renders per view. Each fragment's
HTML is stored under a hash of its displayed values, the values shared by the page (viewer's
rights, time zone, URLs) and the template's own source, so a cached fragment can never be
stale: any change makes a new key.
"""

import hashlib
from collections.abc import Sequence
from functools import cache as memoize

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

FRAGMENT_TTL = 60 * 60 * 24


@memoize
def template_version(template_name: str) -> str:
    """Changes whenever the file holding the partial changes."""
    source = get_template(template_name.split("#")[0]).template.source
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def render_cached(
    template_name: str, items: Sequence[tuple[tuple, dict]], *, shared: tuple
) -> SafeString:
    """Render ``(shown values, context)`` items with the template, reusing cached HTML."""
    shared = (*shared, timezone.get_current_timezone_name(), template_version(template_name))
    keys = [
        f"fragment:{hashlib.sha256(repr((shown, shared)).encode()).hexdigest()}"
        for shown, _ in items
    ]
    found = cache.get_many(keys)
    missing = {}
    template = get_template(template_name)
    for (_, context), key in zip(items, keys, strict=True):
        if key not in found:
            found[key] = missing[key] = template.render(context)
    if missing:
        cache.set_many(missing, FRAGMENT_TTL)
    return mark_safe("".join(found[key] for key in keys))  # noqa: S308 (our own template output)
