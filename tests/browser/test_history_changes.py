"""The history's compare page on a phone: a structured section's changes read as rows (added,
removed, changed with old → new) that fit the screen, and no JSON."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from postmortems import services
from postmortems.models import Postmortem
from tests.browser.helpers import log_in

User = get_user_model()
FACTOR = {"title": "Small pool", "description": "20 connections", "category": "config",
          "level": "primary"}  # fmt: skip


def save_factors(postmortem: Postmortem, actor, factors: list[dict]) -> Postmortem:
    """A revision of its own: saves by one writer within minutes would be grouped."""
    postmortem.refresh_from_db()
    with scope(organization=postmortem.organization):
        return services.postmortem_save(
            postmortem=postmortem,
            actor=actor,
            base_version=postmortem.version,
            section_data={"contributing-factors": {"factors": factors}},
        )


def test_a_phone_reads_the_factors_that_changed(page, draft):
    save_factors(draft, draft.author, [FACTOR])
    colleague = User.objects.get(username="ben")
    save_factors(
        draft, colleague, [{**FACTOR, "level": "secondary"}, {**FACTOR, "title": "No alert"}]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "ann")
    page.goto(reverse("postmortem_diff", kwargs={"org_slug": "acme", "number": draft.number}))
    factors = page.get_by_role("region", name="Contributing factors")
    changed = factors.get_by_role("listitem").filter(has_text="Changed")
    expect(changed).to_contain_text("Small pool")
    expect(changed.get_by_role("deletion")).to_have_text("was: Primary")
    expect(changed.get_by_role("insertion")).to_have_text("now: Secondary")
    expect(factors.get_by_role("listitem").filter(has_text="Added")).to_contain_text("No alert")
    main = page.locator("main")
    assert "{" not in main.inner_text()
    assert page.evaluate("document.querySelector('main').scrollWidth <= innerWidth")
