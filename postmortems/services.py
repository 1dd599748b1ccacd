"""Writes for postmortems: templates, saves, revisions, the root-cause category. Creating a
postmortem (by hand or generated for a resolved incident) is in ``creation``."""

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from organizations import hooks
from organizations.models import Organization
from organizations.validators import MAX_TEXT_BYTES, text_too_large_message
from postmortems import builtin_templates
from postmortems.search import indexing as search

from .models import (
    Postmortem,
    Revision,
    RootCauseCategory,
    Section,
    SectionKind,
    Template,
    TemplateSection,
)
from .timeline import section_data_in_order
from .variables import validate_template_text

logger = logging.getLogger(__name__)

MAX_SECTION_BYTES = MAX_TEXT_BYTES


def content_digest(value) -> str:
    """A short fingerprint of a part's content (a body, structured data or the title): what a
    writer's change was based on."""
    raw = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


COALESCE_WINDOW = timedelta(minutes=5)
EDITED = "Edited"  # the summary of a writer's revision, under which their changes coalesce

# Asked by ``snapshot_of`` with ``postmortem``: the parts of the document an app above keeps
# (its action items, in ``actionitems``). Each receiver answers a mapping of JSON-safe values
# to store in the revision beside the sections (``{"action_items": [...]}``), read in a fixed
# number of queries.
SNAPSHOT_PARTS = "postmortems.snapshot_parts"


class StaleVersionError(Exception):
    """A save based on an old version; carries what is current so nothing is lost."""

    def __init__(self, postmortem: Postmortem, current_sections: dict[str, str]):
        self.postmortem = postmortem
        self.current_version = postmortem.version
        self.current_sections = current_sections
        super().__init__(
            f"This postmortem changed since you opened it (now version {postmortem.version})."
        )


# --- Templates ---------------------------------------------------------------------------------


@transaction.atomic
def templates_install_builtins(*, organization: Organization) -> list[Template]:
    """Install the four built-in templates (idempotent: existing ones are left as they are)."""
    installed = []
    with scope(organization=organization):
        for builtin in builtin_templates.BUILTIN_TEMPLATES:
            template, created = Template.objects.get_or_create(
                organization=organization,
                builtin_key=builtin.key,
                defaults={
                    "name": builtin.name,
                    "description": builtin.description,
                    "default_for_severities": list(builtin.default_for_severities),
                },
            )
            if created:
                TemplateSection.objects.bulk_create(
                    TemplateSection(
                        organization=organization,
                        template=template,
                        key=section.key,
                        title=section.title,
                        kind=section.kind,
                        required=section.required,
                        default_text=section.default_text,
                        helper_prompt=section.helper_prompt,
                        position=position,
                    )
                    for position, section in enumerate(builtin.sections)
                )
            installed.append(template)
    return installed


def template_section_validate(*, default_text: str, helper_prompt: str = "") -> None:
    validate_template_text(default_text, field="default_text")
    validate_template_text(helper_prompt, field="helper_prompt")


# --- Saving ------------------------------------------------------------------------------------


def _check_size(key: str, body: str) -> None:
    message = text_too_large_message(body, noun="section")
    if message:
        raise ValidationError({key: message})


@transaction.atomic
def postmortem_save(
    *,
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    base_version: int,
    title: str | None = None,
    sections: dict[str, str] | None = None,
    section_data: dict[str, dict] | None = None,
    part_digests: dict[str, str] | None = None,
    summary: str = "",
) -> Postmortem:
    """Save title and/or section bodies (and structured data) on top of ``base_version``.

    Edits by one writer coalesce into one revision; a save with a ``summary`` (a row deleted
    or moved…) gets a revision of its own under it, so the history keeps the text before it.

    The version is document-wide, so a save by someone working on another part makes it stale.
    ``part_digests`` (``{"title" or section key: content_digest of what the change was based
    on}``) accepts a stale version when every changed part is still what the writer started
    from; the check runs under the row lock, so concurrent writers never overwrite each other.

    Raises ``StaleVersionError`` when someone saved in between (and changed the same part),
    ``ValidationError`` naming the offending section for unknown keys or bodies over the cap.
    """
    sections = sections or {}
    section_data = section_data or {}
    for key, body in sections.items():
        _check_size(key, body)
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    current = {s.key: s for s in Section.objects.filter(postmortem=locked)}
    unknown = (set(sections) | set(section_data)) - set(current)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "No such section."))
    if locked.version != base_version and not _parts_unchanged(
        locked, current, part_digests, bodies=set(sections), data=set(section_data), title=title
    ):
        raise StaleVersionError(locked, {k: s.body for k, s in current.items()})
    changed = _apply_section_changes(current, sections, section_data)
    if title is not None and title.strip() != locked.title:
        if not title.strip():
            raise ValidationError({"title": "Give the postmortem a title."})
        locked.title = title.strip()[:200]
        changed.append("title")
    if not changed:
        return locked
    locked.version += 1
    locked.save(update_fields=["title", "version", "updated_at"])
    write_revision(
        locked,
        actor,
        changed=changed,
        summary=summary or EDITED,
        coalesce=not summary,
        sections=current.values(),
        typing=not section_data and "title" not in changed,
    )
    return locked


def _parts_unchanged(
    locked: Postmortem,
    current: dict[str, Section],
    part_digests: dict[str, str] | None,
    *,
    bodies: set[str],
    data: set[str],
    title: str | None,
) -> bool:
    """Is every part this save changes still what the writer based the change on?"""
    stored = {key: current[key].body for key in bodies} | {key: current[key].data for key in data}
    if title is not None:
        stored["title"] = locked.title
    if not part_digests or not set(stored) <= set(part_digests):
        return False
    return all(content_digest(value) == part_digests[key] for key, value in stored.items())


def _apply_section_changes(
    current: dict[str, Section], bodies: dict[str, str], data: dict[str, dict]
) -> list[str]:
    """Write the changed bodies and data; a timeline's rows are stored in time order."""
    changed = []
    for key, section in current.items():
        fields = []
        if key in bodies and bodies[key] != section.body:
            section.body = bodies[key]
            fields.append("body")
        new_data = section_data_in_order(section.kind, data[key]) if key in data else None
        if key in data and new_data != section.data:
            section.data = new_data
            fields.append("data")
        if fields:
            section.save(update_fields=[*fields, "updated_at"])
            changed.append(key)
    return changed


def snapshot_of(postmortem: Postmortem, sections: Iterable[Section] | None = None) -> dict:
    """The document as a revision stores it; ``sections`` when the caller holds them already."""
    if sections is None:
        sections = Section.objects.filter(postmortem=postmortem)
    snapshot = {
        "title": postmortem.title,
        "sections": [
            {"key": s.key, "title": s.title, "kind": s.kind, "body": s.body, "data": s.data}
            for s in sorted(sections, key=lambda s: (s.position, s.pk))
        ],
    }
    for parts in hooks.answers(SNAPSHOT_PARTS, postmortem=postmortem):
        snapshot.update({k: v for k, v in parts.items() if k not in ("title", "sections")})
    return snapshot


def write_revision(
    postmortem: Postmortem,
    actor: AbstractBaseUser | None,
    *,
    changed: list[str],
    summary: str,
    coalesce: bool,
    sections: Iterable[Section] | None = None,
    typing: bool = False,
    searched: bool = True,
) -> Revision | None:
    """Snapshot the document. Saves by the same writer within a few minutes coalesce (and
    answer None; a new revision is returned); so do changes made by nobody under one summary
    (the action items' tickets, a reconciliation changing many items). ``searched=False``: the
    change leaves what the search vector reads (the title and sections) as it was.

    The latest revision is read without its (large) snapshot and a coalesced one is updated in
    place: an autosave costs one small read and one write."""
    snapshot = snapshot_of(postmortem, sections)
    latest = (
        Revision.objects.filter(postmortem=postmortem)
        .order_by("-number")
        .values("pk", "number", "author_id", "summary", "updated_at", "changed_sections")
        .first()
    )
    coalesced = (
        coalesce
        and latest is not None
        and latest["author_id"] == (actor.pk if actor else None)
        and latest["summary"] == summary
        and timezone.now() - latest["updated_at"] < COALESCE_WINDOW
    )
    # Keep the search vector current: at once, except while one writer's text autosaves
    # (``typing``) coalesce: then at most every few seconds, and the beat sweeper catches the
    # last of the burst.
    if not searched:
        pass
    elif coalesced and typing:
        search.search_document_refresh_soon(postmortem, snapshot)
    else:
        search.search_document_refresh(postmortem, snapshot)
    if coalesced:
        Revision.objects.filter(pk=latest["pk"]).update(
            snapshot=snapshot,
            changed_sections=sorted(set(latest["changed_sections"]) | set(changed)),
            updated_at=timezone.now(),
        )
        return None
    return Revision.objects.create(
        organization=postmortem.organization,
        postmortem=postmortem,
        number=(latest["number"] + 1) if latest else 1,
        author=actor,
        snapshot=snapshot,
        changed_sections=sorted(changed),
        summary=summary,
    )


def postmortem_items_changed(
    *, postmortem: Postmortem, actor: AbstractBaseUser | None, section_keys: Iterable[str]
) -> Revision | None:
    """Action items of the postmortem (kept by ``actionitems``) were added, changed or removed
    by ``actor`` (None: their tracker): a revision, so the history shows them. A writer's item
    changes coalesce with their other edits, as an editor's saves do.

    ``section_keys``: the sections the items are listed in; an item of no action-items section
    is listed in the first one. The document's version is left alone, so nobody's text autosave
    is made stale by it. Runs in the item service's transaction (the row lock needs one)."""
    locked = (
        Postmortem.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=postmortem.pk)
    )
    sections = list(Section.objects.filter(postmortem=locked))
    lists = [s.key for s in sorted(sections, key=lambda s: (s.position, s.pk))
             if s.kind == SectionKind.ACTION_ITEMS]  # fmt: skip
    changed = {key if key in lists else lists[0] for key in section_keys} if lists else set()
    return write_revision(
        locked,
        actor,
        changed=sorted(changed),
        summary=EDITED if actor else "Action items updated from their tickets",
        coalesce=True,
        sections=sections,
        searched=False,
    )


def history_note(
    *, postmortem: Postmortem, actor: AbstractBaseUser | None, summary: str
) -> Revision:
    """An entry in the document's history for an event (a submit, an approval…): a revision
    that changes no section, so the history shows who did what, when, to which text."""
    return write_revision(postmortem, actor, changed=[], summary=summary, coalesce=False)


@transaction.atomic
def revision_restore(
    *, postmortem: Postmortem, revision: Revision, actor: AbstractBaseUser | None
) -> Postmortem:
    """Bring back an old revision's text as a new change (history is never rewritten)."""
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    restored = {s["key"]: s for s in revision.snapshot["sections"]}
    current = {s.key: s for s in Section.objects.filter(postmortem=locked)}
    changed = _apply_section_changes(
        current,
        {k: v["body"] for k, v in restored.items() if k in current},
        {k: v["data"] for k, v in restored.items() if k in current},
    )
    if revision.snapshot["title"] != locked.title:
        locked.title = revision.snapshot["title"]
        changed.append("title")
    locked.version += 1
    locked.save(update_fields=["title", "version", "updated_at"])
    write_revision(
        locked,
        actor,
        changed=changed,
        summary=f"Restored revision {revision.number}",
        coalesce=False,
    )
    return locked


# --- Root-cause category -----------------------------------------------------------------------


@transaction.atomic
def postmortem_set_root_cause(
    *, postmortem: Postmortem, actor: AbstractBaseUser | None, category: str
) -> Postmortem:
    """Set the root-cause category (analytics, recurring patterns, search and the checklist
    read it). A history entry records the change; the document's version is left alone, so
    nobody's text autosave is made stale by it."""
    if category and category not in RootCauseCategory.values:
        raise ValidationError({"category": "Choose one of the listed root-cause categories."})
    locked = Postmortem.objects.select_for_update().get(pk=postmortem.pk)
    if locked.root_cause_category == category:
        return locked
    Postmortem.objects.filter(pk=locked.pk).update(root_cause_category=category)
    locked.root_cause_category = category
    label = RootCauseCategory(category).label if category else "not set"
    history_note(postmortem=locked, actor=actor, summary=f"Root-cause category: {label}")
    search.search_document_refresh(locked)
    return locked
