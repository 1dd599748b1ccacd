"""A template's prompts ("**Users affected:** _number or percentage_") are never a section's
text: a new draft's bodies hold only generated facts, the prompts wait in the section's
placeholder, and the read view, review page, exports, search and the submit check all see a
section nobody wrote in as empty."""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from postmortems import creation, selectors
from postmortems.builtin_templates import BUILTIN_TEMPLATES
from postmortems.guidance import section_text
from postmortems.models import Section, Template
from postmortems.placeholders import is_prompt, is_written, template_parts
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions
from postmortems.search.services import ANY_STATUS
from postmortems.sharing.public import public_document
from tests.incidents.helpers import api_client
from tests.postmortems.editor.helpers import make_incident
from tests.postmortems.exports.helpers import export_url, pdf_text
from tests.postmortems.read.helpers import save
from tests.postmortems.search.helpers import page

IMPACT = "impact-assessment"
PROMPTS = ("number or percentage", "affected regions", "estimate, and how it was calculated")


def sections_of(postmortem) -> dict[str, Section]:
    return {s.key: s for s in Section.objects.filter(postmortem=postmortem)}


# --- A new draft ---------------------------------------------------------------------------------


@pytest.mark.parametrize("with_incident", [True, False], ids=["generated", "by hand"])
def test_a_new_draft_stores_no_prompt_in_any_body(org, templates, author, with_incident):
    checked = 0
    for template in Template.objects.filter(organization=org, builtin_key__isnull=False):
        incident = make_incident(org, commander=author) if with_incident else None
        with scope(organization=org):
            postmortem = creation.postmortem_create(
                organization=org, actor=author, template=template, incident=incident
            )
            sections = sections_of(postmortem)
            for ts in template.sections.all():
                body = sections[ts.key].body
                prompts = [line for line in ts.default_text.splitlines() if is_prompt(line)]
                left = [line for line in prompts if line.strip() in body]
                assert not left, (template.builtin_key, ts.key, left)
                checked += len(prompts)
    assert checked > 20  # every built-in template's prompts were looked for


def test_generated_facts_stay_and_the_prompts_become_the_placeholder(draft):
    sections = sections_of(draft)
    summary = sections["executive-summary"]
    assert draft.incident.ref in summary.body and "**Time to detect:**" in summary.body
    assert "What happened" not in summary.body
    assert summary.placeholder.startswith("What happened, what the impact was")
    lessons = sections["went-poorly"]
    assert lessons.body == ""
    assert lessons.placeholder == "A gap in detection, response, tooling or communication"
    impact = sections[IMPACT]
    assert "**Duration of impact:**" in impact.body and "### User impact" in impact.body
    assert "### Business impact" not in impact.body  # nothing but prompts was under it
    assert "User impact — Users affected: number or percentage" in impact.placeholder.splitlines()


def test_template_parts_splits_facts_from_prompts():
    parts = template_parts(
        "**Duration:** {{incident.duration}}\n\n"
        "### What went well\n\n- _An alert that helped_\n\n"
        "### Prevention\n\n- [ ] _A safeguard_\n\n"
        "Keep snake_case_names as they are: _a prompt_"
    )
    assert parts.body == "**Duration:** {{incident.duration}}"
    assert parts.placeholder.splitlines() == [
        "What went well — An alert that helped",
        "Prevention — A safeguard",
        "Prevention — Keep snake_case_names as they are: a prompt",
    ]
    assert template_parts("No prompt at all") == template_parts("No prompt at all")
    assert template_parts("No prompt at all").placeholder == ""


def test_every_builtin_prompt_line_becomes_a_hint():
    for template in BUILTIN_TEMPLATES:
        for section in template.sections:
            parts = template_parts(section.default_text)
            assert not any(is_prompt(line) for line in parts.body.splitlines()), section.key
            prompt_lines = [line for line in section.default_text.splitlines() if is_prompt(line)]
            assert len(parts.placeholder.splitlines()) == len(set(prompt_lines)), section.key


# --- Written or not --------------------------------------------------------------------------


def test_only_generated_text_is_not_written(draft, author, reviewer):
    """Nobody wrote in the summary or the impact: submit names them."""
    with scope(organization=draft.organization):
        unfilled = {s.key for s in selectors_review.unfilled_required_sections(draft)}
        assert {IMPACT, "executive-summary"} <= unfilled
        with pytest.raises(ValidationError) as refused:
            transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[reviewer])
    message = refused.value.message_dict["sections"][0]
    assert "“Impact assessment”" in message and "“Executive summary”" in message


def test_a_line_written_beside_the_generated_facts_counts(draft, author):
    impact = sections_of(draft)[IMPACT].body + "\n- **Users affected:** about 30% of checkouts"
    draft = save(draft, author, sections={IMPACT: impact})
    with scope(organization=draft.organization):
        unfilled = {s.key for s in selectors_review.unfilled_required_sections(draft)}
    assert IMPACT not in unfilled


def test_the_checklist_uses_the_same_rule(draft):
    created = selectors.created_bodies(draft)
    sections = sections_of(draft)
    assert not section_text.section_written(sections["went-well"], created["went-well"])
    summary = sections["executive-summary"]
    assert not section_text.section_written(summary, created["executive-summary"])
    summary.body += "\n\nCheckouts failed for two hours after a schema change."
    assert section_text.section_written(summary, created["executive-summary"])


def test_is_written_compares_with_the_created_body():
    created = "**Duration of impact:** 2h"
    assert not is_written(created + "\n\n", created)
    assert not is_written("  \n", created)
    assert is_written(created + "\n- About 30% of checkouts", created)
    assert is_written("Nothing from a template", None)


# --- What readers see --------------------------------------------------------------------------


@pytest.fixture
def partly_written(draft, author):
    impact = sections_of(draft)[IMPACT].body + "\n- About 30% of checkouts"
    return save(draft, author, sections={IMPACT: impact})


def test_pages_and_exports_show_prompts_nowhere_and_empty_sections_as_empty(
    client, org, author, partly_written
):
    client.force_login(author)
    kwargs = {"org_slug": org.slug, "number": partly_written.number}
    read_view = client.get(reverse("postmortem_detail", kwargs=kwargs)).content.decode()
    pages = {
        "read view": read_view,
        "review page": client.get(reverse("postmortem_review", kwargs=kwargs)).content.decode(),
        "markdown": client.get(export_url(org, partly_written, "md")).content.decode(),
        "html": client.get(export_url(org, partly_written, "html")).content.decode(),
        "pdf": pdf_text(client.get(export_url(org, partly_written, "pdf")).content),
    }
    data = json.loads(client.get(export_url(org, partly_written, "json")).content)
    bodies = {s["key"]: s["body"] for s in data["sections"]}
    assert bodies["went-poorly"] == ""
    pages["json"] = bodies[IMPACT]
    for name, text in pages.items():
        assert "About 30% of checkouts" in text, name
        for prompt in PROMPTS:
            assert prompt not in text, (name, prompt)
    went_well = pages["markdown"].split("## What went well")[1].split("##")[0]
    assert went_well.strip() == "_Not written yet._"
    section = read_view[read_view.index('id="section-went-poorly"') :]
    section = section[: section.index("</section>")]
    assert '<p class="doc-unwritten">Not written yet.</p>' in section


def test_the_api_gives_no_prompt_as_a_body(org, author, draft):
    response = api_client(org, author).get(f"/api/v1/postmortems/{draft.number}")
    assert response.status_code == 200
    bodies = {s["key"]: s["body"] for s in response.json()["sections"]}
    assert bodies["went-poorly"] == "" and bodies["root-cause"] == ""


def test_the_public_page_shows_no_prompt(partly_written):
    partly_written.public_sections = [IMPACT]
    with scope(organization=partly_written.organization):
        document = public_document(partly_written)
    [section] = document.sections
    assert "About 30% of checkouts" in section.body
    for prompt in PROMPTS:
        assert prompt not in section.body


def test_search_does_not_find_a_draft_by_its_prompts(client, org, author, draft):
    client.force_login(author)
    found = page(client, org, q="Payments failing", status=ANY_STATUS)  # by what it says
    assert draft.title in found
    assert draft.title not in page(client, org, q="affected regions", status=ANY_STATUS)


# --- Drafts created before sections had a placeholder ------------------------------------------

OLD_SUMMARY = "**INC-1 · Payments failing** — SEV1\n\n_What happened, in two sentences._"


def test_the_migration_takes_untouched_prompts_out_of_old_drafts(draft, author):
    """An old draft stored its prompts in the bodies and the first revision: the migration
    moves them to the placeholder, keeps what the writer changed, and cleans the history."""
    sections = sections_of(draft)
    old_lessons = "### What went poorly\n\n- _A gap in detection_\n- Paging took 9 minutes"
    with scope(organization=draft.organization):
        Section.objects.filter(pk=sections["executive-summary"].pk).update(
            body=OLD_SUMMARY, placeholder=""
        )
        Section.objects.filter(pk=sections["went-poorly"].pk).update(
            body=old_lessons, placeholder=""
        )
        first = draft.revisions.order_by("number").first()
        for snapshot_section in first.snapshot["sections"]:
            if snapshot_section["key"] == "executive-summary":
                snapshot_section["body"] = OLD_SUMMARY
            if snapshot_section["key"] == "went-poorly":
                snapshot_section["body"] = "### What went poorly\n\n- _A gap in detection_"
        first.save(update_fields=["snapshot"])
        migration = importlib.import_module("postmortems.migrations.0012_prompts_out_of_bodies")
        migration.forwards(django_apps, None)
        summary, lessons = (
            Section.objects.get(pk=sections[key].pk) for key in ("executive-summary", "went-poorly")
        )
        first.refresh_from_db()
    assert summary.body == "**INC-1 · Payments failing** — SEV1"
    assert summary.placeholder == "What happened, in two sentences."
    assert lessons.body == "### What went poorly\n\n- Paging took 9 minutes"
    assert lessons.placeholder == "What went poorly — A gap in detection"
    created = {s["key"]: s["body"] for s in first.snapshot["sections"]}
    assert created["executive-summary"] == summary.body and created["went-poorly"] == ""
    assert not is_written(summary.body, created["executive-summary"])
    assert is_written(lessons.body, created["went-poorly"])
