"""Steps shared by the browser tests: signing in, and the editor's address."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import PASSWORD


def open_page(browser, base_url: str):
    """A page in a browser context of its own (its own cookies: another person, another
    computer), 1280 px wide; ``page.console_errors`` collects the console's errors."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.console_errors = errors
    return page


def edit_path(postmortem) -> str:
    return reverse("postmortem_edit", kwargs={"org_slug": "acme", "number": postmortem.number})


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
