import re

from playwright.sync_api import expect


def test_bob_logs_in_switches_organization_and_is_refused_globex(page, demo):
    page.goto("/o/acme/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/$"))

    page.get_by_label("Username or email").fill("bob")
    page.get_by_label("Password").fill("hindsight-demo")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/o/acme/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Corporation")
    expect(page.locator(".page-header")).to_contain_text("Engineer")

    page.get_by_label("Switch organization").click()
    page.get_by_role("link", name=re.compile("Initech")).click()
    expect(page).to_have_url(re.compile(r"/o/initech/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Initech")
    expect(page.locator(".page-header")).to_contain_text("Reviewer")

    response = page.goto("/o/globex/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("Globex")

    response = page.goto("/o/globex/members/")
    assert response.status == 404
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_wrong_password_shows_a_message_in_the_page(page, demo):
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill("bob")
    page.get_by_label("Password").fill("not-his-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-errors")).to_contain_text(
        "username and/or password you specified are not correct"
    )
