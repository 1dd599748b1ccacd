"""The editor's outline: each section's state beside the document, and the template's prompts
shown as hints rather than as text in the writer's way.

Everything here works on what the editor page has loaded already (the sections, their generated
bodies, the unresolved comment counts, the keys of sections listing action items), so the
outline costs no query of its own whatever the number of sections. Wording findings are not
computed for the page: they arrive with the findings request the page makes once loaded, and the
outline reads their counts from there (``static/js/editor-outline.js``).
"""

import re
from collections.abc import Container

from postmortems.models import Postmortem, Section, SectionKind
from postmortems.placeholders import placeholder_lines
from postmortems.review.selectors import section_is_filled
from postmortems.selectors import created_bodies

EMPTY, WRITTEN, REQUIRED = "empty", "written", "required"
STATE_LABELS = {EMPTY: "Empty", WRITTEN: "Written", REQUIRED: "Required, empty"}

_ITALIC_MARK = re.compile(r"(?<![\w*_])[*_](?![*_\s])|(?<![*_\s])[*_](?![\w*_])")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def is_filled(
    section: Section,
    created_body: str | None,
    postmortem: Postmortem,
    with_items: Container[str] = (),
) -> bool:
    """Written by someone, as the submit check decides it (``section_is_filled``); an
    action-items section is written once it lists tracked items."""
    if section.kind == SectionKind.ACTION_ITEMS and section.key in with_items:
        return True
    return section_is_filled(section, created_body, postmortem)


def outline_state(*, filled: bool, required: bool) -> str:
    if filled:
        return WRITTEN
    return REQUIRED if required else EMPTY


def prompt_hints(created_body: str | None) -> list[str]:
    """The template's prompts in a section's generated body, as plain sentences for a hint
    (``**Users affected:** _number or percentage_`` → ``Users affected: number or percentage``)."""
    lines = placeholder_lines(created_body)
    ordered = [line.strip() for line in (created_body or "").splitlines() if line.strip() in lines]
    return [_plain(line) for line in dict.fromkeys(ordered)]


def _plain(line: str) -> str:
    text = _LIST_MARK.sub("", line).replace("**", "")
    return _ITALIC_MARK.sub("", text).strip()


def saved_state(section: Section, postmortem: Postmortem) -> dict:
    """What a save answers for the outline: ``filled`` as the section now stands. Left out for
    an action-items section without written notes, which is written once it lists items (the
    page knows those; a save of its notes does not)."""
    filled = is_filled(section, created_bodies(postmortem).get(section.key), postmortem)
    if not filled and section.kind == SectionKind.ACTION_ITEMS:
        return {}
    return {"filled": filled}
