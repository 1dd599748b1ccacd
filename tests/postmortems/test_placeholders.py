"""Template placeholder text ("**Users affected:** _number or percentage_") is never taken for
writing: submit refuses a section that holds only generated text and untouched placeholders,
naming it, and the read view, review page, exports and public page leave placeholders out."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from postmortems import selectors
from postmortems.guidance import section_text
from postmortems.models import Section
from postmortems.placeholders import is_written, written_text
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions
from postmortems.sharing.public import public_document
from tests.postmortems.exports.helpers import export_url, pdf_text
from tests.postmortems.read.helpers import save

IMPACT = "impact-assessment"


def body_of(postmortem, key: str) -> str:
    return Section.objects.get(postmortem=postmortem, key=key).body


def without_line(text: str, start: str) -> str:
    lines = text.splitlines()
    [line] = [line for line in lines if line.lstrip("- ").startswith(start)]
    return "\n".join(other for other in lines if other != line)


def replace_line(text: str, start: str, new: str) -> str:
    return "\n".join(
        new if line.lstrip("- ").startswith(start) else line for line in text.splitlines()
    )


def test_only_untouched_placeholders_left_is_not_written(draft, author, reviewer):
    """The writer deleted one prompt line in two required sections and wrote nothing."""
    impact = without_line(body_of(draft, IMPACT), "**Regions:**")
    summary = without_line(body_of(draft, "executive-summary"), "_What happened")
    draft = save(draft, author, sections={IMPACT: impact, "executive-summary": summary})
    with scope(organization=draft.organization):
        unfilled = {s.key for s in selectors_review.unfilled_required_sections(draft)}
        assert {IMPACT, "executive-summary"} <= unfilled
        with pytest.raises(ValidationError) as refused:
            transitions.postmortem_submit(postmortem=draft, actor=author, reviewers=[reviewer])
    message = refused.value.message_dict["sections"][0]
    assert "“Impact assessment”" in message and "“Executive summary”" in message


def test_a_section_with_something_written_counts_even_beside_placeholders(draft, author):
    impact = replace_line(body_of(draft, IMPACT), "**Users affected:**", "- About 30% of checkouts")
    draft = save(draft, author, sections={IMPACT: impact})
    with scope(organization=draft.organization):
        unfilled = {s.key for s in selectors_review.unfilled_required_sections(draft)}
    assert IMPACT not in unfilled


def test_the_checklist_uses_the_same_rule(draft, author):
    created = selectors.created_bodies(draft)
    lessons_key = "went-well"
    lessons = Section.objects.get(postmortem=draft, key=lessons_key)
    assert not section_text.section_written(lessons, created[lessons_key])
    summary = Section.objects.get(postmortem=draft, key="executive-summary")
    summary.body = without_line(summary.body, "_What happened")
    assert not section_text.section_written(summary, created["executive-summary"])
    summary.body += "\n\nCheckouts failed for two hours after a schema change."
    assert section_text.section_written(summary, created["executive-summary"])


def test_written_text_keeps_the_writing_and_drops_prompts_and_their_empty_headings():
    created = (
        "**Duration of impact:** 2h\n\n"
        "### What went well\n\n- _An alert that helped_\n\n"
        "### What went poorly\n\n- _A gap_"
    )
    body = created.replace("- _An alert that helped_", "- The error-rate alert fired in 2m")
    assert written_text(body, created) == (
        "**Duration of impact:** 2h\n\n### What went well\n\n- The error-rate alert fired in 2m"
    )
    assert not is_written(created, created)
    assert is_written(body, created)
    assert written_text("Nothing from a template", None) == "Nothing from a template"


@pytest.fixture
def partly_written(draft, author):
    impact = replace_line(body_of(draft, IMPACT), "**Users affected:**", "- About 30% of checkouts")
    return save(draft, author, sections={IMPACT: impact})


PROMPTS = ("affected regions", "estimate, and how it was calculated", "downstream effects")


def test_pages_and_exports_leave_placeholders_out(client, org, author, partly_written):
    client.force_login(author)
    kwargs = {"org_slug": org.slug, "number": partly_written.number}
    pages = {
        "read view": client.get(reverse("postmortem_detail", kwargs=kwargs)).content.decode(),
        "review page": client.get(reverse("postmortem_review", kwargs=kwargs)).content.decode(),
        "markdown": client.get(export_url(org, partly_written, "md")).content.decode(),
        "html": client.get(export_url(org, partly_written, "html")).content.decode(),
        "pdf": pdf_text(client.get(export_url(org, partly_written, "pdf")).content),
    }
    data = json.loads(client.get(export_url(org, partly_written, "json")).content)
    [impact] = [s for s in data["sections"] if s["key"] == IMPACT]
    pages["json"] = impact["body"]
    for name, text in pages.items():
        assert "About 30% of checkouts" in text, name
        for prompt in PROMPTS:
            assert prompt not in text, (name, prompt)
    went_well = pages["markdown"].split("## What went well")[1].split("##")[0]
    assert went_well.strip() == "_Not written yet._"  # its only line was a prompt


def test_the_public_page_leaves_placeholders_out(partly_written):
    partly_written.public_sections = [IMPACT]
    with scope(organization=partly_written.organization):
        document = public_document(partly_written)
    [section] = document.sections
    assert "About 30% of checkouts" in section.body
    for prompt in PROMPTS:
        assert prompt not in section.body
