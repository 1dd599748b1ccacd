"""The editor in a real browser: autosave survives a reload; two writers on one section get a
visible conflict, merge it, and lose nothing."""

import re

from playwright.sync_api import expect

from postmortems.models import Section
from tests.browser.helpers import edit_path, log_in


def stored_body(postmortem, key: str) -> str:
    return Section.objects.get(postmortem=postmortem, key=key).body


def test_autosaved_text_survives_a_reload_and_the_caret_stays(page, draft):
    log_in(page, "ann")
    page.goto(edit_path(draft))
    state = page.locator("#section-root-cause [data-section-state]")
    body = page.locator("#body-root-cause")

    body.fill("")
    body.press_sequentially("The migration added a required column.")
    expect(state).to_have_text(re.compile("^Saved"))
    expect(page.locator("[data-global-state]")).to_contain_text("Saved")

    # typing on after a save: nothing is swapped, the caret stays at the end
    body.press_sequentially(" Inserts failed.")
    assert body.evaluate("el => el.selectionStart === el.value.length")
    expect(state).to_have_text(re.compile("^Saved"))
    expected = "The migration added a required column. Inserts failed."
    assert stored_body(draft, "root-cause") == expected

    page.reload()
    expect(page.locator("#body-root-cause")).to_have_value(expected)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_two_writers_get_a_visible_conflict_and_lose_nothing(page, browser, live_server, draft):
    other_context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    other = other_context.new_page()
    other.set_default_timeout(10_000)
    try:
        log_in(page, "ann")
        log_in(other, "ben")
        page.goto(edit_path(draft))
        other.goto(edit_path(draft))  # both opened the same version

        page.locator("#body-root-cause").fill("Ann: the migration had no default.")
        expect(page.locator("#section-root-cause [data-section-state]")).to_have_text(
            re.compile("^Saved")
        )

        other.locator("#body-root-cause").fill("Ben: CI tests migrations on an empty database.")
        panel = other.locator("#section-root-cause [data-conflict]")
        expect(panel).to_be_visible()
        expect(other.locator("[data-global-state]")).to_contain_text("Conflict")
        expect(panel.locator("[data-conflict-mine]")).to_have_value(
            "Ben: CI tests migrations on an empty database."
        )
        expect(panel.locator("[data-conflict-diff]")).to_have_text(
            "Ann: the migration had no default."
        )
        expect(panel).to_contain_text("1 line not in yours")
        assert stored_body(draft, "root-cause") == "Ann: the migration had no default."

        panel.get_by_role("button", name="Add their new lines to yours").click()
        merged = (
            "Ann: the migration had no default.\nBen: CI tests migrations on an empty database."
        )
        expect(panel.locator("[data-conflict-mine]")).to_have_value(merged)
        panel.get_by_role("button", name="Save merged version").click()
        expect(panel).to_be_hidden()
        expect(other.locator("#section-root-cause [data-section-state]")).to_have_text(
            re.compile("^Saved")
        )
        expect(other.locator("#body-root-cause")).to_have_value(merged)
        assert stored_body(draft, "root-cause") == merged

        page.reload()
        expect(page.locator("#body-root-cause")).to_have_value(merged)
    finally:
        other_context.close()
