"""A pass over the main pages and their interactions that fails on any console error, uncaught
script error or Content-Security-Policy violation (the policy allows no inline script or style:
an inline style set by a script, a template or a library is an error here)."""

import re

import pytest
from playwright.sync_api import expect

from postmortems.models import Postmortem

# Every violation of the page's policy, whether or not the browser also logs it.
WATCH_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || "?"}:${event.lineNumber} ${event.sample || ""}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with CSP violations and uncaught errors reported among its console errors."""
    page.on("response", lambda r: server_error(page, r))
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("pageerror", lambda error: page.console_errors.append(f"Uncaught: {error}"))
    return page


def server_error(page, response) -> None:
    if response.status >= 500:
        page.console_errors.append(f"{response.status} {response.request.method} {response.url}")


def log_in(page, username: str = "alice") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill("hindsight-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def saves_section(key: str):
    return lambda response: (
        response.request.method == "POST" and f"/sections/{key}/" in (response.url)
    )


def resize_by_hand(page, textarea) -> None:
    """Drag a textarea's corner, as a writer does: the browser sets its inline size."""
    box = textarea.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + 60, steps=4)
    page.mouse.up()
    assert textarea.get_attribute("style"), "the drag did not resize the textarea"


def assert_clean(page, where: str) -> None:
    page.wait_for_load_state("networkidle")
    errors = list(page.console_errors)
    page.console_errors.clear()
    assert errors == [], f"{where}: {errors}"


def test_the_main_pages_and_their_interactions_log_no_error(watched, demo):
    page = watched
    log_in(page)
    assert_clean(page, "sign-in")

    for path in (
        "/o/acme/",
        "/o/acme/incidents/",
        "/o/acme/postmortems/",
        "/o/acme/analytics/",
        "/o/acme/members/",
        "/o/acme/notifications/",
    ):
        page.goto(path)
        assert_clean(page, path)

    # Live filters on the incident list and the search page.
    page.goto("/o/acme/incidents/")
    page.locator("#id_q").fill("checkout")
    assert_clean(page, "incident filter")
    page.goto("/o/acme/search/?q=database")
    page.locator("#id_q").fill("migration")
    assert_clean(page, "search")

    # The editor: text, preview, rows added, moved, deleted and undone, comments.
    postmortem = Postmortem.objects.filter(
        organization__slug="acme", status="DRAFT", sections__kind="five_whys"
    ).first()
    page.goto(f"/o/acme/postmortems/{postmortem.number}/edit/")
    assert_clean(page, "editor")
    body = page.locator("textarea[data-input]").nth(1)
    body.fill("A line typed in the editor.")
    expect(page.locator("[data-global-state]")).to_contain_text("Saved")
    page.get_by_role("tab", name="Preview").first.click()
    expect(page.locator("[data-preview]:not([hidden])")).not_to_have_class(re.compile("is-loading"))
    page.get_by_role("tab", name="Write").first.click()
    whys = page.locator("#editor-five-whys")
    rows_before = whys.locator(".pm-why").count()
    with page.expect_response(saves_section("five-whys")):
        whys.get_by_role("button", name="Ask why again").click()
    expect(whys.locator(".pm-why")).to_have_count(rows_before + 1)  # the new form is swapped in
    whys.locator(".pm-why textarea").first.fill("Why did it fail?")
    with page.expect_response(saves_section("five-whys")):
        whys.get_by_role("button", name=re.compile("^Remove why")).first.click()
    with page.expect_response(saves_section("five-whys")):
        whys.get_by_role("button", name="Undo").click()
    expect(whys.locator("[data-row-undo]")).to_have_count(0)
    expect(whys.locator(".pm-why textarea").first).to_have_value("Why did it fail?")
    assert_clean(page, "editor rows")

    # An action item added after the writer resized its text box (htmx redraws the form).
    panel = page.locator("details[data-ai-add-panel]").first
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    add = panel.locator("form[data-ai-add]")
    description = add.locator("textarea[data-ai-description]")
    description.fill("Alert when the connection pool is 80% used")
    resize_by_hand(page, description)
    add.get_by_role("button", name="Add action item").click()
    expect(page.get_by_text("Alert when the connection pool is 80% used")).to_be_visible()
    assert_clean(page, "action items")

    # A comment posted after resizing its box; the panel is redrawn.
    page.locator("[data-comments-toggle]").first.click()
    panel = page.locator("[data-comments-panel]:not([hidden])").first
    comment = panel.locator("textarea.comment-form__input").first
    comment.fill("Could the pool size come from the config service?")
    resize_by_hand(page, comment)
    panel.get_by_role("button", name="Comment", exact=True).click()
    expect(panel).to_contain_text("Could the pool size come from the config service?")
    assert_clean(page, "comments")

    # The tracker: a filter, selection, the bulk bar and its confirmation page.
    page.goto("/o/acme/action-items/")
    for option in (1, 0):
        with page.expect_response(lambda r: "/action-items/" in r.url):
            page.locator("form.trk-filter-bar select").first.select_option(index=option)
    page.wait_for_load_state("networkidle")
    page.locator("input[data-trk-select-all]").check()
    bulk = page.locator("form[data-trk-bulk]")
    expect(bulk).to_have_class(re.compile("is-active"))
    bulk.locator("select[data-trk-status-select]").select_option("WONT_DO")  # shows the reason
    bulk.get_by_label("Why won't they be done?").fill("Superseded by the gateway rewrite")
    bulk.get_by_role("button", name="Change status…").click()
    expect(page.locator("form.trk-confirm")).to_be_visible()
    assert_clean(page, "tracker")

    # The template designer: add a section, preview it.
    page.goto("/o/acme/settings/templates/")
    page.get_by_role("link", name=re.compile("^Edit ")).first.click()
    page.get_by_text("Add a section").click()
    add = page.locator("#add-section")
    add.get_by_label("Title").fill("Customer communication")
    add.get_by_role("button", name="Add section").click()
    expect(page.locator("#sections .ts", has_text="Customer communication")).to_be_visible()
    page.get_by_role("button", name="Move “Customer communication” up").click()
    page.locator(".designer-preview__picker select").first.select_option(index=1)
    page.wait_for_load_state("networkidle")
    assert_clean(page, "designer")

    # Settings: the pages, the member search and a role change in place.
    for path in (
        "/o/acme/settings/",
        "/o/acme/settings/teams/",
        "/o/acme/settings/tokens/",
        "/o/acme/settings/audit/",
        "/o/acme/settings/members/",
    ):
        page.goto(path)
        assert_clean(page, path)
    with page.expect_response(lambda r: "q=erin" in r.url):
        page.locator("#member-q").fill("erin")
    row = page.locator("tr", has_text="erin")
    row.locator("select[name=role]").select_option("REVIEWER")
    with page.expect_response(lambda r: r.request.method == "POST" and "/role/" in r.url):
        row.get_by_role("button", name="Save").click()
    expect(page.locator("tr", has_text="erin").locator("[role=status]")).to_be_visible()
    assert_clean(page, "members")
