"""Browser test of the template designer: an admin adds a required section with a variable to a
template, makes the template SEV2's default, and the next resolved SEV2 incident's draft has the
section, its variable filled in."""

import re

import pytest
from playwright.sync_api import expect

from postmortems.models import Postmortem, Template

INCIDENT_TITLE = "Invoices emailed twice to EU customers"


def log_in(page, next_path: str, username: str = "alice") -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill("hindsight-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(f"{re.escape(next_path)}$"))


def test_a_new_required_section_reaches_the_next_sev2_draft(page, demo):
    lightweight = Template.objects.get(organization__slug="acme", builtin_key="lightweight")
    log_in(page, "/o/acme/settings/templates/")

    page.get_by_role("link", name="Edit Lightweight").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lightweight")
    page.evaluate("window.__samePage = true")

    # Add a required section whose default text uses a variable picked from the palette.
    page.get_by_text("Add a section").click()
    add = page.locator("#add-section")
    add.get_by_label("Title").fill("Customer communication")
    add.get_by_label("Required").check()
    default_text = add.get_by_label("Default text")
    default_text.fill("Status page updated for ")
    default_text.press("End")
    page.locator(".palette").get_by_role("button", name=re.compile(r"incident\.title")).click()
    expect(default_text).to_have_value("Status page updated for {{incident.title}}")
    add.get_by_role("button", name="Add section").click()

    added = page.locator("#sections .ts", has_text="Customer communication")
    expect(added).to_be_visible()
    expect(added.locator(".badge--required")).to_have_text("Required")
    expect(page.locator("#sections .ts")).to_have_count(5)
    # The preview follows the save, filled from the sample incident.
    expect(page.locator("#preview")).to_contain_text(
        "Status page updated for Checkout API returning 502s for card payments"
    )

    # Move it one place up with its button, without a page load.
    added.get_by_role("button", name="Move “Customer communication” up").click()
    expect(page.locator("#sections .ts").nth(3)).to_contain_text("Customer communication")
    # The keyboard stays on the button just pressed.
    expect(page.get_by_role("button", name="Move “Customer communication” up")).to_be_focused()
    assert page.evaluate("window.__samePage") is True

    # A bad variable is refused in place, naming it and listing the valid ones.
    page.locator("#sections .ts", has_text="Customer communication").locator(
        "summary"
    ).first.click()
    editing = page.locator("#sections .ts", has_text="Customer communication")
    editing.get_by_label("Helper prompt").fill("Who told {{ customer.name }}?")
    editing.get_by_role("button", name="Save section").click()
    errors = page.locator("#sections .ts", has_text="Customer communication").locator(".errorlist")
    expect(errors).to_contain_text("Unknown variable(s): {{customer.name}}")
    expect(errors).to_contain_text("Valid variables: {{incident.id}}")
    page.locator("#sections .ts", has_text="Customer communication").get_by_label(
        "Helper prompt"
    ).fill("Who told customers, and when?")
    page.locator("#sections .ts", has_text="Customer communication").get_by_role(
        "button", name="Save section"
    ).click()
    expect(page.locator("#sections .ts__saved")).to_be_visible()

    # Make Lightweight the default for SEV2.
    page.get_by_role("link", name="Templates", exact=True).first.click()
    page.get_by_label("SEV2", exact=True).select_option(label="Lightweight")
    page.get_by_role("button", name="Save defaults").click()
    expect(page.locator(".flash--success")).to_contain_text("Default templates saved")
    expect(page.locator(f"#template-{lightweight.pk}")).to_contain_text("SEV2")

    # Declare a SEV2 incident and resolve it: the generated draft has the new section.
    page.goto("/o/acme/incidents/new/")
    page.get_by_label("Title").fill(INCIDENT_TITLE)
    page.get_by_label("Severity").select_option("SEV2")
    page.get_by_role("button", name="Declare incident").click()
    expect(page.locator(".flash--success")).to_contain_text("declared")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".flash--success")).to_contain_text("is now resolved")

    draft = Postmortem.objects.get(incident__title=INCIDENT_TITLE, generated=True)
    assert draft.template_id == lightweight.pk
    page.goto(f"/o/acme/postmortems/{draft.number}/edit/")
    section = page.locator(".pm-section", has_text="Customer communication")
    expect(section).to_be_visible()
    expect(section.locator("textarea").first).to_have_value(
        f"Status page updated for {INCIDENT_TITLE}"
    )
    expect(section).to_contain_text("Who told customers, and when?")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_sections_reorder_by_drag_and_drop(page, demo):
    lightweight = Template.objects.get(organization__slug="acme", builtin_key="lightweight")
    keys = list(lightweight.sections.values_list("key", flat=True))
    log_in(page, f"/o/acme/settings/templates/{lightweight.pk}/")
    first = page.locator("#sections .ts").first
    title = first.locator(".ts__title").inner_text()
    last = page.locator("#sections .ts").last
    box = last.bounding_box()
    # Dropped on the lower half of the last section: it goes after it.
    first.locator("[data-drag-handle]").drag_to(
        last, target_position={"x": box["width"] / 2, "y": box["height"] - 6}
    )
    expect(page.locator("#sections .ts").last).to_contain_text(title)
    expect(page.locator("#sections .ts__num").first).to_have_text("1")
    page.reload()  # the order was saved, not only shown
    expect(page.locator("#sections .ts").last).to_contain_text(title)
    assert list(lightweight.sections.values_list("key", flat=True)) == [*keys[1:], keys[0]]
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_preview_keeps_each_timeline_time_on_one_line(page, demo, width):
    comprehensive = Template.objects.get(organization__slug="acme", builtin_key="comprehensive")
    log_in(page, "/o/acme/settings/templates/")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/o/acme/settings/templates/{comprehensive.pk}/")
    table = page.locator("#preview .preview-section", has_text="Timeline").locator("table")
    expect(table).to_be_visible()
    lines = """cells => cells.map(cell => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
    })"""
    times = table.locator("tbody td:first-child").evaluate_all(lines)
    assert times and all(count == 1 for count in times), times
    # Words are never cut in two either ("Hinds|ight"): a table too wide for the card scrolls
    # inside it.
    one_word = table.locator("tbody td").filter(has_text=re.compile(r"^[^\s-]+$"))
    words = one_word.evaluate_all(lines)
    assert words and all(count == 1 for count in words), words
    assert table.evaluate("table => table.getBoundingClientRect().right") <= width
