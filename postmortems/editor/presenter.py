"""The editor page's read model: the whole document with each section's editors, the review
panel, the guidance addresses, the comment counts and the action-item tables, built from the
selectors in a fixed number of queries whatever the size of the document."""

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator

from actionitems import postmortem_table as action_item_tables
from actionitems.postmortem_table import items_of
from incidents.charts import render_chart
from organizations.fragments import render_cached
from postmortems import selectors
from postmortems.comments import presenter as comments_presenter
from postmortems.editor import outline
from postmortems.editor import services as editing
from postmortems.editor.forms import ImpactForm
from postmortems.editor.rows import ROW_EDITORS, rows_formset, stored_rows, timeline_row_views
from postmortems.guidance import presenter as guidance_presenter
from postmortems.models import Postmortem, RootCauseCategory, Section, SectionKind
from postmortems.recurrence.selectors import recurrences_of
from postmortems.review import panels as review_panels
from postmortems.review import selectors as selectors_review
from postmortems.templatetags.postmortems import textarea_rows

ROW_TEMPLATES = {  # kind: (the rows, the buttons below them)
    SectionKind.TIMELINE: (
        "postmortems/editor/_timeline_rows.html",
        "postmortems/editor/_timeline_foot.html",
    ),
    SectionKind.FIVE_WHYS: (
        "postmortems/editor/_five_whys_rows.html",
        "postmortems/editor/_five_whys_foot.html",
    ),
    SectionKind.CONTRIBUTING_FACTORS: (
        "postmortems/editor/_factors_rows.html",
        "postmortems/editor/_factors_foot.html",
    ),
}


@dataclass(frozen=True)
class Base:
    """What a save is based on: the document version and the fingerprint of the part."""

    version: int
    digest: str


@dataclass
class EditorSection:
    """One section as the editor shows it, with its editors and any refused save."""

    section: Section
    number: int
    formset: Any = None
    impact_form: ImpactForm | None = None
    pull_count: int = 0  # incident entries the timeline does not hold yet
    untouched: bool = False  # a data-backed section whose body is still the generated text
    body: str | None = None  # the writer's text, when a save of it was refused
    error: str = ""
    conflict: dict | None = None  # a refused body save: yours, current, current_version, …
    data_conflict: editing.SectionConflict | None = None
    form_base: Base | None = None  # overrides the base a structured form posts
    focus_last: bool = False  # a row was just added: the editor focuses it
    focus: str = ""  # after a row operation: a selector of what the editor focuses
    deleted_row: "DeletedRow | None" = None  # a row just deleted, which the writer may undo
    rows_html: str = ""  # a row editor's rows, drawn (or taken from the fragment cache)
    save_url: str = ""
    preview_url: str = ""
    comment_count: int = 0  # unresolved threads on the section
    version: str = ""  # the document version the body form posts, as text
    filled: bool = False  # written by someone, as the submit check decides it

    # What the body form shows, computed once per section: strings, not numbers, because the
    # template engine localizes every number it prints.
    @cached_property
    def body_digest(self) -> str:
        return editing.content_digest(self.section.body)

    @cached_property
    def updated_ms(self) -> str:
        updated = self.section.updated_at
        return str(int(updated.timestamp() * 1000)) if updated else "0"

    @cached_property
    def text_rows(self) -> str:
        return str(textarea_rows(self.text))

    @cached_property
    def prompts(self) -> list[str]:
        """The template's prompts for this section, shown as hints, never as its text."""
        return [line for line in self.section.placeholder.splitlines() if line.strip()]

    @cached_property
    def placeholder(self) -> str:
        if self.prompts and not self.text.strip():
            return "\n".join(self.prompts)
        prompt = self.section.helper_prompt
        return Truncator(prompt).chars(160) if prompt else "Write in Markdown…"

    @property
    def prompt_hint(self) -> list[str]:
        """The prompts, when the text hides the placeholder that would show them and the
        section is not written yet."""
        return self.prompts if self.text.strip() and not self.filled else []

    @cached_property
    def text(self) -> str:
        """What the textarea holds: the writer's text of a refused save, else the body."""
        return self.section.body if self.body is None else self.body

    @property
    def outline_state(self) -> str:
        return outline.outline_state(filled=self.filled, required=self.section.required)

    @property
    def outline_label(self) -> str:
        return outline.STATE_LABELS[self.outline_state]

    @cached_property
    def row_formset(self):
        """The rows as posted in a refused save, else as stored (built only when drawn)."""
        return self.formset if self.formset is not None else rows_formset(self.section)

    # The template reads the formset through these: a lookup such as ``formset.management_form``
    # in a template tries ``formset["management_form"]`` first, which builds every row's form.
    @property
    def management_form(self):
        return self.row_formset.management_form

    @cached_property
    def timeline_rows(self) -> list:
        return timeline_row_views(self.row_formset)

    @property
    def rows_posted(self) -> bool:
        """The rows are a refused save's, not the stored ones (which may be drawn from cache)."""
        return self.formset is not None and self.formset.is_bound

    @property
    def non_form_errors(self) -> list[str]:
        return list(self.formset.non_form_errors()) if self.rows_posted else []

    @property
    def foot_template(self) -> str:
        return ROW_TEMPLATES[self.section.kind][1]

    @property
    def structured(self) -> bool:
        return self.section.kind in ROW_EDITORS or self.section.kind == SectionKind.IMPACT


KEY_SLOT = "section-key-slot"


def section_url_patterns(postmortem: Postmortem) -> tuple[str, str]:
    """The save and preview URLs of this postmortem's sections, reversed once per page with a
    slot for the (slug) key rather than twice per section."""
    kwargs = {
        "org_slug": postmortem.organization.slug,
        "number": postmortem.number,
        "section_key": KEY_SLOT,
    }
    return (
        reverse("postmortem_section_save", kwargs=kwargs),
        reverse("postmortem_section_preview", kwargs=kwargs),
    )


def editor_section(
    section: Section,
    number: int,
    postmortem: Postmortem,
    incident_entries: list[tuple[str, str]],
    url_patterns: tuple[str, str] | None = None,
    **extra,
) -> EditorSection:
    item = EditorSection(section=section, number=number, version=str(postmortem.version), **extra)
    save, preview = url_patterns or section_url_patterns(postmortem)
    item.save_url = save.replace(KEY_SLOT, section.key)
    item.preview_url = preview.replace(KEY_SLOT, section.key)
    if section.kind == SectionKind.IMPACT and item.impact_form is None:
        item.impact_form = ImpactForm.for_postmortem(postmortem, prefix=f"s-{section.key}")
    if item.form_base is None:
        stored = (
            editing.Impact.of(postmortem).as_data()
            if section.kind == SectionKind.IMPACT
            else section.data
        )
        item.form_base = Base(postmortem.version, editing.content_digest(stored))
    if section.kind == SectionKind.TIMELINE:
        item.pull_count = editing.missing_count(stored_rows(section), incident_entries)
    if section.kind in ROW_EDITORS:
        item.rows_html = structured_rows_html(item, postmortem.organization)
    return item


def structured_rows_html(item: EditorSection, organization) -> str:
    """A row editor's rows. Stored rows are cached under the section's content digest, so a
    long timeline is drawn once per change rather than on every view of the editor."""
    template = ROW_TEMPLATES[item.section.kind][0]
    context = {"item": item, "organization": organization}
    if item.rows_posted:
        return render_to_string(template, context)
    shown = (item.section.key, item.form_base.digest)  # the stored data's digest
    return render_cached(template, [(shown, context)], shared=(organization.pk,))


def editor_context(
    request: HttpRequest, postmortem: Postmortem, overrides: dict[str, dict] | None = None
) -> dict:
    """The whole editor in a fixed number of queries, whatever the size of the document."""
    overrides = overrides or {}
    document = selectors.postmortem_document(postmortem)
    unresolved = selectors_review.unresolved_by_section(postmortem)
    kinds = {s.kind for s in document.sections}
    incident_entries = (
        editing.incident_entry_identities(
            postmortem, related=[i.pk for i in document.related_incidents]
        )
        if SectionKind.TIMELINE in kinds
        else []
    )
    incident = postmortem.incident
    url_patterns = section_url_patterns(postmortem)
    items = items_of(postmortem)
    with_items = {item.section_key for item in items}
    panel = review_panels.review_panel_context(
        request,
        postmortem,
        unresolved=sum(unresolved.values()),
        document=document,
        with_items=with_items,
    )
    created = document.created_bodies
    sections = [
        editor_section(
            section,
            number,
            postmortem,
            incident_entries,
            url_patterns,
            untouched=section.key in document.untouched,
            comment_count=unresolved.get(section.key, 0),
            filled=outline.is_filled(section, created.get(section.key), postmortem, with_items),
            **overrides.get(section.key, {}),
        )
        for number, section in enumerate(document.sections, start=1)
    ]
    return {
        "postmortem": postmortem,
        "incident": incident,
        "document": document,
        "sections": sections,
        **guidance_presenter.editor_context(request, postmortem),
        "charts": [render_chart(s, incident=incident) for s in document.metrics]
        if SectionKind.METRICS in kinds
        else [],
        **panel,
        **comments_presenter.comment_counts_context(request, postmortem, counts=unresolved),
        **action_item_tables.action_items_context(
            request,
            postmortem,
            document.sections,
            access=panel["review_panel"].access,
            items=items,
        ),
        "root_cause_choices": RootCauseCategory.choices,
        "recurrences": recurrences_of(incident=incident, membership=request.membership)
        if incident
        else None,
        "title": overrides.get("title", {}).get("body", postmortem.title),
        "title_conflict": overrides.get("title", {}).get("conflict"),
        "title_error": overrides.get("title", {}).get("error", ""),
    }


@dataclass(frozen=True)
class DeletedRow:
    """A row just deleted, as the editor offers to bring it back (“Row deleted — Undo”)."""

    index: str  # text: the template engine localizes numbers
    row_json: str

    @classmethod
    def of(cls, rows: list[dict], op) -> "DeletedRow | None":
        if not op or op[0] != "delete" or op[1] is None or not 0 <= op[1] < len(rows):
            return None
        return cls(index=str(op[1]), row_json=json.dumps(rows[op[1]], sort_keys=True))
