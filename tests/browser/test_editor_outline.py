"""The editor's outline with the keyboard only: "Next empty required" takes the writer into the
next required section nobody has written, an outline link moves the keyboard into its section,
"Collapse written" folds what is done, and the outline follows the writer's saves and the
wording suggestions. At 390 px wide the outline is a closed disclosure above the document."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import edit_path, log_in


def press_on(page, selector: str, key: str = "Enter") -> None:
    """Give ``selector`` the keyboard focus and press a key on it (no mouse)."""
    page.locator(selector).focus()
    page.keyboard.press(key)


def focused_section(page) -> str:
    return page.evaluate("() => document.activeElement.closest('[data-section]').dataset.section")


def entry(page, key: str):
    return page.locator(f'[data-outline-item="{key}"]')


@pytest.fixture
def editor(page, draft):
    log_in(page, "ann")
    page.goto(edit_path(draft))
    page.wait_for_load_state("networkidle")  # the wording findings arrive after the page
    yield page
    assert page.console_errors == []


def test_next_empty_required_goes_to_each_unwritten_required_section(editor):
    page = editor
    expect(entry(page, "executive-summary")).to_have_attribute("data-state", "required")
    expect(entry(page, "executive-summary")).to_contain_text("Required, empty")
    expect(entry(page, "timeline")).to_have_attribute("data-state", "written")

    press_on(page, "[data-next-required]")
    expect(page.locator("#body-executive-summary")).to_be_focused()
    expect(page.locator("[data-outline-status]")).to_contain_text("Executive summary")

    # "Next" counts from the section the writer was last in, and comes round again.
    press_on(page, "[data-next-required]")
    expect(page.locator("#id_s-impact-assessment-users_affected")).to_be_focused()

    page.locator("#body-executive-summary").focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Card payments failed for 43 minutes; a rollback fixed them.")
    summary = entry(page, "executive-summary")
    expect(summary).to_have_attribute("data-state", "written", timeout=8000)
    expect(entry(page, "executive-summary")).to_contain_text("Written")

    press_on(page, "[data-next-required]")  # the summary is written now: on to the next
    expect(page.locator("#id_s-impact-assessment-users_affected")).to_be_focused()


def test_collapse_written_and_expand_a_section_by_keyboard(editor):
    page = editor
    press_on(page, "[data-collapse-written]")
    timeline = page.locator("#section-timeline")
    expect(timeline).to_have_class(re.compile("is-collapsed"))
    expect(page.locator("#editor-timeline")).to_be_hidden()
    toggle = timeline.locator("[data-collapse]")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_accessible_name("Expand Timeline")
    expect(page.locator("#body-root-cause")).to_be_visible()  # not written: stays open
    expect(page.locator("[data-outline-status]")).to_contain_text("collapsed")

    press_on(page, "#section-timeline [data-collapse]", "Space")
    expect(page.locator("#editor-timeline")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")

    press_on(page, "#section-root-cause [data-collapse]")
    expect(page.locator("#body-root-cause")).to_be_hidden()
    press_on(page, "[data-expand-all]")
    expect(page.locator("#body-root-cause")).to_be_visible()


def test_an_outline_link_moves_the_keyboard_into_its_section(editor):
    page = editor
    press_on(page, '[data-toc="root-cause"]')
    expect(page.locator("#body-root-cause")).to_be_focused()
    expect(page.locator('[data-toc="root-cause"]')).to_have_attribute("aria-current", "location")

    press_on(page, "[data-collapse-written]")
    press_on(page, '[data-toc="timeline"]')  # a folded section opens for the keyboard
    expect(page.locator("#section-timeline")).not_to_have_class(re.compile("is-collapsed"))
    assert focused_section(page) == "timeline"


def test_the_outline_shows_wording_suggestions_as_the_writer_types(editor):
    page = editor
    mark = entry(page, "root-cause").locator("[data-outline-wording]")
    expect(mark).to_be_hidden()
    page.locator("#body-root-cause").focus()
    page.keyboard.type("The on-call engineer should have known better.")
    expect(mark).to_be_visible(timeout=8000)
    expect(mark).to_contain_text(re.compile(r"\d+ wording suggestion"))


def test_at_390_px_the_outline_is_a_closed_disclosure_above_the_document(page, draft):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "ann")
    page.goto(edit_path(draft))
    outline = page.locator("[data-outline]")
    expect(outline).not_to_have_attribute("open", "")
    press_on(page, ".pm-outline__summary")
    expect(outline).to_have_attribute("open", "")
    press_on(page, "[data-next-required]")
    expect(page.locator("#body-executive-summary")).to_be_focused()
    expect(outline).not_to_have_attribute("open", "")  # out of the way of the document
    outline_box = page.locator(".pm-outline").bounding_box()
    assert outline_box["x"] >= 0 and outline_box["x"] + outline_box["width"] <= 390


def test_a_comment_posted_in_the_editor_shows_in_the_outline(editor):
    page = editor
    mark = entry(page, "root-cause").locator("[data-outline-comments]")
    expect(mark).to_be_hidden()
    press_on(page, "#section-root-cause [data-comments-toggle]")
    field = page.locator("#comments-root-cause textarea[name=body]").first
    expect(field).to_be_visible()
    field.focus()
    page.keyboard.type("Which pool ran dry?")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the Comment button
    expect(mark).to_be_visible()
    expect(mark).to_have_text(re.compile(r"^\s*1 open comment\s*$"))
