import re

from playwright.sync_api import expect


def log_in(page, next_path: str) -> None:
    page.goto(f"/accounts/login/?next={next_path}")
    page.get_by_label("Username or email").fill("bob")
    page.get_by_label("Password").fill("hindsight-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(f"{re.escape(next_path)}$"))


def test_declare_work_the_timeline_inline_and_resolve(page, demo):
    log_in(page, "/o/acme/incidents/new/")

    page.get_by_label("Title").fill("Checkout returns 502 for card payments")
    page.get_by_label("Severity").select_option("SEV2")
    page.get_by_label("Services").fill("payments-api, checkout")
    page.get_by_label("Description").fill("Card payments **fail** at the last step.")
    page.get_by_label("Customer impact").check()
    page.get_by_role("button", name="Declare incident").click()

    expect(page).to_have_url(re.compile(r"/o/acme/incidents/INC-\d{4}-\d{4}/$"))
    expect(page.locator(".flash--success")).to_contain_text("declared")
    expect(page.locator(".incident-header .status")).to_have_text("Open")
    expect(page.locator(".prose strong", has_text="fail")).to_be_visible()

    # Inline, without a page load: a marker on window survives only if the page is not reloaded.
    page.evaluate("window.__samePage = true")
    new_entry = page.locator("#new-entry-form")
    new_entry.get_by_label("Kind").select_option("DECISION")
    new_entry.get_by_label("Description").fill("Roll back **payments-api** to v2.3.0")
    new_entry.get_by_role("button", name="Add entry").click()
    entry = page.locator(".tl-entry", has_text="Roll back payments-api")
    expect(entry).to_be_visible()
    expect(entry.locator(".kind")).to_have_text("Decision")
    expect(entry.locator("strong", has_text="payments-api")).to_be_visible()
    expect(page.locator("#new-entry-form textarea")).to_have_value("")

    entry.get_by_role("link", name="Edit").click()
    editing = page.locator(".tl-entry--editing")
    editing.get_by_label("Description").fill("Rolled back payments-api to v2.3.0")
    editing.get_by_role("button", name="Save entry").click()
    expect(page.locator(".tl-entry", has_text="Rolled back payments-api")).to_be_visible()
    expect(page.locator(".tl-entry--editing")).to_have_count(0)
    assert page.evaluate("window.__samePage") is True

    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".flash--success")).to_contain_text("is now resolved")
    expect(page.locator(".incident-header .status")).to_have_text("Resolved")
    expect(page.locator(".tl-entry", has_text="Incident resolved.")).to_be_visible()
    expect(page.get_by_role("button", name="Resolve")).to_have_count(0)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_bad_timeline_input_shows_field_messages_in_place(page, demo):
    log_in(page, "/o/acme/incidents/")
    page.locator(".incident-cell__title").first.click()
    expect(page.locator("#timeline")).to_be_visible()
    page.evaluate("window.__samePage = true")
    new_entry = page.locator("#new-entry-form")
    new_entry.get_by_label("Description").fill("Dashboard")
    new_entry.get_by_label("Evidence link").fill("javascript:alert(1)")
    new_entry.get_by_role("button", name="Add entry").click()
    expect(page.locator("#new-entry-form .errorlist")).to_contain_text("http:// or https://")
    assert page.evaluate("window.__samePage") is True
