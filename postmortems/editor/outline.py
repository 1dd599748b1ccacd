"""The editor's outline: each section's state beside the document.

Everything here works on what the editor page has loaded already (the sections, their generated
bodies, the unresolved comment counts, the keys of sections listing action items), so the
outline costs no query of its own whatever the number of sections. Wording findings are not
computed for the page: they arrive with the findings request the page makes once loaded, and the
outline reads their counts from there (``static/js/editor-outline.js``).
"""

from collections.abc import Container

from postmortems.models import Postmortem, Section, SectionKind
from postmortems.review.selectors import section_is_filled
from postmortems.selectors import created_bodies

EMPTY, WRITTEN, REQUIRED = "empty", "written", "required"
STATE_LABELS = {EMPTY: "Empty", WRITTEN: "Written", REQUIRED: "Required, empty"}


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


def saved_state(section: Section, postmortem: Postmortem) -> dict:
    """What a save answers for the outline: ``filled`` as the section now stands. Left out for
    an action-items section without written notes, which is written once it lists items (the
    page knows those; a save of its notes does not)."""
    filled = is_filled(section, created_bodies(postmortem).get(section.key), postmortem)
    if not filled and section.kind == SectionKind.ACTION_ITEMS:
        return {}
    return {"filled": filled}
