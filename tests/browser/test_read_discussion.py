"""The read view's comment threads with the keyboard only: Tab to a thread's reply box, write,
send with the Reply button, and the reply appears in place with the focus back in the box; a new
thread on a section is opened and sent with Ctrl+Enter. On a phone the threads fit the screen."""

import re

from django.contrib.auth import get_user_model
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from postmortems.comments import services as services_comments
from postmortems.models import Comment
from tests.browser.helpers import log_in

FOCUSED_ID = "() => document.activeElement.id || document.activeElement.textContent.trim()"


WIDER_THAN_THE_SCREEN = """() => Array.from(document.querySelectorAll("[data-discussion] *"))
  .filter((el) => !el.closest(".visually-hidden"))
  .filter((el) => { const r = el.getBoundingClientRect(); return r.width && r.right > innerWidth; })
  .map((el) => el.tagName + "." + el.className)"""


def read_path(postmortem) -> str:
    return reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": postmortem.number})


def tab_to(page, wanted: str, limit: int = 400) -> None:
    """Press Tab until the element with id (or text) ``wanted`` has the focus."""
    for _ in range(limit):
        if page.evaluate(FOCUSED_ID) == wanted:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {wanted!r}")


def a_thread(postmortem, body="Was the rollback automatic?", *, resolved=False):
    """A question from ben, the fixture's invited editor, on the root cause."""
    colleague = get_user_model().objects.get(username="ben")
    with scope(organization=postmortem.organization):
        thread = services_comments.comment_add(
            postmortem=postmortem, actor=colleague, body=body, section_key="root-cause"
        )
        if resolved:
            services_comments.comment_resolve(comment=thread, actor=colleague)
    return thread


def test_replying_and_starting_a_thread_on_the_read_view_by_keyboard(page, draft):
    thread = a_thread(draft)
    log_in(page, "ann")
    page.goto(read_path(draft))
    block = page.locator("#discussion-root-cause")
    expect(block.get_by_text("Was the rollback automatic?")).to_be_visible()

    tab_to(page, f"reply-{thread.pk}")
    page.keyboard.type("Yes: the canary rolled it back at 14:09.")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED_ID) == "Reply"
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("Enter")
    expect(block.get_by_text("Yes: the canary rolled it back at 14:09.")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(read_path(draft)) + "$"))  # swapped in place
    expect(page.locator(f"#reply-{thread.pk}")).to_be_focused()
    expect(page.locator(f"#reply-{thread.pk}")).to_have_value("")
    expect(block.get_by_role("status")).to_have_text("Reply added.")
    reply = Comment.objects.get(parent=thread)
    assert reply.author.username == "ann"

    # A second thread on the section: on from the reply box to "New thread on this section",
    # Enter opens the form, Ctrl+Enter sends it.
    tab_to(page, "New thread on this section", limit=6)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("#comment-body-root-cause")).to_be_focused()
    page.keyboard.type("Add the deploy at 13:50 to the timeline?")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("Control+Enter")
    expect(block.get_by_text("Add the deploy at 13:50 to the timeline?")).to_be_visible()
    expect(page.locator("#comment-body-root-cause")).to_be_focused()
    expect(block.get_by_role("status")).to_have_text("Comment added.")
    assert Comment.objects.filter(section_key="root-cause", parent=None).count() == 2
    assert page.console_errors == []


def test_the_threads_fit_a_phone(page, draft):
    a_thread(draft)
    a_thread(draft, "A long question that a resolved thread folds to one line " * 3, resolved=True)
    log_in(page, "ann")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(read_path(draft))
    expect(page.locator("#discussion-root-cause")).to_be_visible()
    # Nothing shown in a discussion reaches past the screen's edge (the rest of the page is the
    # responsive layout's own test; visually hidden text is clipped).
    wider = page.evaluate(WIDER_THAN_THE_SCREEN)
    assert wider == []
