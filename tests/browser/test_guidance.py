"""Blameless-language guidance in a real browser: a blaming sentence typed into a section gets
highlighted with a suggestion as the writer pauses; "Not a problem here" makes it disappear
(and can be undone); the checklist follows the saves."""

import re

from playwright.sync_api import expect

from postmortems.models import LanguageDismissal
from tests.browser.helpers import edit_path, log_in


def test_a_blaming_sentence_is_highlighted_and_dismissed(page, draft):  # noqa: F811
    log_in(page, "ann")
    page.goto(edit_path(draft))
    findings = page.locator("#lg-root-cause")
    body = page.locator("#body-root-cause")

    body.fill("")
    body.press_sequentially("The migration failed. Ann broke the deploy on Friday.")
    finding = findings.locator(".lg-finding")
    expect(finding).to_have_count(1)
    expect(finding.locator("mark")).to_have_text("Ann broke")
    expect(finding).to_contain_text("Blames a person")
    expect(finding).to_contain_text("Make the system the subject")

    # The checklist follows the autosave: blameless wording now fails.
    blameless = page.locator('#lg-quality [data-check="blameless"]')
    expect(blameless).to_have_class(re.compile("is-failing"))

    finding.get_by_role("button", name="Not a problem here").click()
    expect(findings.locator(".lg-finding")).to_have_count(0)
    expect(findings.get_by_text("Show 1 dismissed")).to_be_visible()
    expect(blameless).to_have_class(re.compile("is-passed"))
    assert LanguageDismissal.objects.filter(postmortem=draft).count() == 1

    # Typing on keeps it dismissed (same sentence), and a restore brings it back.
    body.press_sequentially(" Nothing else changed.")
    page.wait_for_timeout(900)
    expect(findings.locator(".lg-finding")).to_have_count(0)
    findings.get_by_text("Show 1 dismissed").click()
    findings.get_by_role("button", name="Restore").click()
    expect(findings.locator(".lg-finding mark")).to_have_text("Ann broke")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
