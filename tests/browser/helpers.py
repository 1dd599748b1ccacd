"""Steps shared by the browser tests: signing in, and the editor's address."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import PASSWORD


def edit_path(postmortem) -> str:
    return reverse("postmortem_edit", kwargs={"org_slug": "acme", "number": postmortem.number})


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
