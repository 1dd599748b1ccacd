"""What a writer wrote in a section, as the quality checklist reads it.

A section counts as written when ``review.selectors.section_is_filled`` says so (the submit
check: not blank, not the generated body, or structured rows) *and* what is left once the
template's scaffolding is taken away (headings, ``**Label:**`` prompts, ``_italic
placeholders_``, list markers) is real text, so an untouched template never passes. Sections
are read from ``Section`` objects or plain dicts alike. No queries here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from postmortems.models import SectionKind
from postmortems.review.selectors import section_is_filled


@dataclass(frozen=True)
class SectionView:
    """The fields of a section the checklist reads, from a ``Section`` or a dict."""

    key: str
    kind: str
    title: str = ""
    body: str = ""
    data: dict = field(default_factory=dict)
    required: bool = False


def section_view(section: Any) -> SectionView:
    def get(name: str, default: Any) -> Any:
        value = section.get(name) if isinstance(section, Mapping) else getattr(section, name, None)
        return default if value is None else value

    data = get("data", {})
    return SectionView(
        key=str(get("key", "")),
        kind=str(get("kind", SectionKind.MARKDOWN)),
        title=str(get("title", "")),
        body=str(get("body", "")),
        data=data if isinstance(data, dict) else {},
        required=bool(get("required", False)),
    )


# Only read for impact sections, which the checklist does not look at.
_NO_IMPACT = SimpleNamespace(
    users_affected=None, revenue_impact=None, sla_breached=None, support_tickets=None
)

_SCAFFOLD = re.compile(
    r"^[ \t]*#{1,6}[^\n]*$"  # headings
    r"|\*\*[^*\n]{1,80}?:\*\*|__[^_\n]{1,80}?:__"  # "**What failed:**" prompts
    r"|(?<![\w*])\*(?!\*)[^*\n]+?\*(?![\w*])|(?<![\w_])_(?!_)[^_\n]+?_(?![\w_])"  # _italics_
    r"|\[[^\]\n]*\](?!\()"  # "[Name]" placeholders (not links)
    r"|^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]*)?",  # list markers, checkboxes
    re.MULTILINE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")


def has_prose(text: str) -> bool:
    """Whether ``text`` says something once template scaffolding is taken away."""
    return bool(_WORD.search(_SCAFFOLD.sub(" ", text or "")))


def section_written(section: Any, created_body: str | None = None, postmortem: Any = None) -> bool:
    """Written by someone: filled for the submit check, and not only scaffolding."""
    view = section_view(section)
    owner = postmortem if postmortem is not None else _NO_IMPACT
    if not section_is_filled(view, created_body, owner):
        return False
    if has_prose(view.body):
        return True
    return section_is_filled(replace(view, body=""), None, owner)  # structured rows


def filled_rows(data: dict, name: str, fields: tuple[str, ...]) -> list[dict]:
    """The structured rows under ``name`` with text in at least one of ``fields``."""
    rows = data.get(name)
    if not isinstance(rows, list):
        return []
    return [
        row
        for row in rows
        if isinstance(row, dict) and any(str(row.get(f) or "").strip() for f in fields)
    ]


def named_like(section: SectionView, keys: set[str], title: re.Pattern) -> bool:
    """Whether the section is one of ``keys`` or its title reads like one."""
    return section.key in keys or bool(title.search(section.title))


def section_texts(section: Any) -> list[str]:
    """The prose a writer typed into a section: its body and the text of its structured rows
    (timeline events, whys and their answers, factors)."""
    view = section_view(section)
    texts = [view.body]
    for name, fields in (
        ("rows", ("event",)),
        ("whys", ("why", "because")),
        ("factors", ("title", "description")),
    ):
        for row in filled_rows(view.data, name, fields):
            texts += [str(row.get(f) or "") for f in fields]
    return [text for text in texts if text.strip()]
