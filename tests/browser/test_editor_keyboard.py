"""The structured editors with the keyboard only: filling a row and tabbing on never deletes or
moves a row (the autosave never carries a row button), a deleted row can be undone, and a whole
pass over the editor with Tab changes nothing."""

import re

import pytest
from playwright.sync_api import expect

from postmortems.models import Postmortem, Revision, Section
from tests.browser.helpers import edit_path, log_in

FOCUSED = """() => {
  const el = document.activeElement;
  return {
    id: el.id || "",
    tag: el.tagName.toLowerCase(),
    type: el.type || "",
    label: el.getAttribute("aria-label") || el.textContent.trim().slice(0, 40),
    section: (el.closest("[data-section]") || {dataset: {}}).dataset.section || "",
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def is_save_of(key: str):
    return lambda response: (
        response.request.method == "POST" and f"/sections/{key}/" in response.url
    )


def wait_saved(page, key: str) -> None:
    expect(page.locator(f"#section-{key}")).to_have_attribute("data-state", "saved")


def tab_through_section(page, key: str, actions: dict[str, str]) -> list[str]:
    """Tab from the focused element to the end of the section. On an element whose id is in
    ``actions``: type the text, or press the key written as ``press:Key``, and wait for the
    autosave it causes once the Tab has moved on (onto a row button, say). Answers the ids and
    labels visited."""
    visited = []
    for _ in range(200):
        now = focused(page)
        if now["section"] != key:
            return visited
        visited.append(now["id"] or now["label"])
        action = actions.get(now["id"])
        if action is None:
            page.keyboard.press("Tab")
            continue
        if action.startswith("press:"):
            page.keyboard.press(action.removeprefix("press:"))
        else:
            page.keyboard.press("Control+End")  # Tab puts the caret at a textarea's start
            page.keyboard.type(action)
        try:
            with page.expect_response(is_save_of(key), timeout=5000):
                page.keyboard.press("Tab")
        except Exception as error:
            raise AssertionError(f"no save after {now}: {visited}") from error
        wait_saved(page, key)
        page.wait_for_timeout(300)  # let any later (debounced) save land before tabbing on
    raise AssertionError(f"Tab never left the section {key}: {visited[-10:]}")


def focus_first_field(page, key: str) -> None:
    page.locator(f"#editor-{key}").locator("input:visible, textarea:visible").first.focus()


def rows_of(postmortem, key: str, field: str) -> list[dict]:
    return Section.objects.get(postmortem=postmortem, key=key).data[field]


@pytest.fixture
def editor(page, draft):  # noqa: F811
    log_in(page, "ann")
    page.goto(edit_path(draft))
    return page


def test_tabbing_through_filled_rows_deletes_and_moves_nothing(editor, draft):  # noqa: F811
    page = editor
    whys_before = len(rows_of(draft, "five-whys", "whys"))
    timeline_before = rows_of(draft, "timeline", "rows")
    assert len(timeline_before) >= 2

    # Five whys: the first why and its "because"; Tab leaves "because" for "Remove why 1".
    focus_first_field(page, "five-whys")
    tab_through_section(
        page,
        "five-whys",
        {
            "id_s-five-whys-0-why": "Why did checkout fail?",
            "id_s-five-whys-0-because": "The payments pool was exhausted",
        },
    )

    # Timeline: the last row's event and who; Tab leaves "who" for "Move row N up".
    last = len(timeline_before) - 1
    page.locator(f"#id_s-timeline-{last}-key").focus()
    tab_through_section(
        page,
        "timeline",
        {
            f"id_s-timeline-{last}-key": "press:Space",
            f"id_s-timeline-{last}-event": " (confirmed)",
            f"id_s-timeline-{last}-actor": " and Ann",
        },
    )

    # Contributing factors: add one with the keyboard, fill it, Tab on.
    add_factor = page.locator("#editor-contributing-factors").get_by_role(
        "button", name="Add factor"
    )
    add_factor.focus()
    with page.expect_response(is_save_of("contributing-factors")):
        page.keyboard.press("Enter")
    expect(page.locator("#id_s-contributing-factors-0-title")).to_be_focused()
    tab_through_section(
        page,
        "contributing-factors",
        {
            "id_s-contributing-factors-0-title": "No pool saturation alert",
            "id_s-contributing-factors-0-level": "press:ArrowDown",
            "id_s-contributing-factors-0-category": "press:ArrowDown",
            "id_s-contributing-factors-0-description": "Saturation was visible for 20 min.",
        },
    )

    # Impact: every figure.
    focus_first_field(page, "impact-assessment")
    tab_through_section(
        page,
        "impact-assessment",
        {
            "id_s-impact-assessment-users_affected": "1200",
            "id_s-impact-assessment-revenue_impact": "350",
            "id_s-impact-assessment-sla_breached": "press:ArrowDown",
            "id_s-impact-assessment-support_tickets": "14",
        },
    )

    page.reload()
    whys = rows_of(draft, "five-whys", "whys")
    assert len(whys) == whys_before
    assert whys[0] == {
        "why": "Why did checkout fail?",
        "because": "The payments pool was exhausted",
    }
    timeline = rows_of(draft, "timeline", "rows")
    assert [row["time"] for row in timeline] == [row["time"] for row in timeline_before]
    assert timeline[last]["event"] == timeline_before[last]["event"] + " (confirmed)"
    assert timeline[last]["actor"] == timeline_before[last]["actor"] + " and Ann"
    assert timeline[last]["key"] is not timeline_before[last]["key"]
    factors = rows_of(draft, "contributing-factors", "factors")
    assert [f["title"] for f in factors] == ["No pool saturation alert"]
    assert factors[0]["description"] == "Saturation was visible for 20 min."
    draft.refresh_from_db()
    assert (draft.users_affected, draft.support_tickets) == (1200, 14)
    expect(page.locator("#id_s-five-whys-0-because")).to_have_value(
        "The payments pool was exhausted"
    )
    expect(page.locator(f"#id_s-timeline-{last}-actor")).to_have_value(
        timeline_before[last]["actor"] + " and Ann"
    )


def test_an_action_item_added_and_tabbed_past_with_the_keyboard_stays(editor, draft):  # noqa: F811
    page = editor
    section = page.locator("#section-actions-immediate")
    section.locator("summary", has_text="Add an action item").focus()
    expect(section.locator("details.ai-add")).to_have_attribute("open", "")  # open when empty
    page.keyboard.press("Tab")
    prefix = "ai-new-actions-immediate"
    expect(page.locator(f"#{prefix}-description")).to_be_focused()
    page.keyboard.type("Alert when the payments pool is 80% used")
    page.keyboard.press("Tab")
    page.keyboard.type("A synthetic saturation pages on-call within 5 minutes")
    page.keyboard.press("Tab")
    expect(page.locator(f"#{prefix}-owner")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # priority: the due date is suggested
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page)["label"] == "Add action item":
            break
    with page.expect_response(lambda r: r.request.method == "POST" and "action-items" in r.url):
        page.keyboard.press("Enter")
    expect(section.locator(".ai-row")).to_have_count(1)
    section.locator(".ai-row a").first.focus()
    visited = tab_through_section(page, "actions-immediate", {})
    assert visited

    page.reload()
    expect(page.locator("#section-actions-immediate .ai-row")).to_have_count(1)
    assert [item.description for item in draft.action_items.all()] == [
        "Alert when the payments pool is 80% used"
    ]


def test_enter_in_a_row_field_saves_and_never_presses_a_row_button(editor, draft):  # noqa: F811
    page = editor
    add_factor = page.locator("#editor-contributing-factors").get_by_role(
        "button", name="Add factor"
    )
    with page.expect_response(is_save_of("contributing-factors")):
        add_factor.click()
    title = page.locator("#id_s-contributing-factors-0-title")
    expect(title).to_be_focused()
    page.keyboard.type("Pool size unchanged since 2021")
    with page.expect_response(is_save_of("contributing-factors")):
        page.keyboard.press("Enter")
    wait_saved(page, "contributing-factors")
    factors = rows_of(draft, "contributing-factors", "factors")
    assert [f["title"] for f in factors] == ["Pool size unchanged since 2021"]


def test_a_keyboard_pass_over_the_whole_editor_changes_nothing(editor, draft):  # noqa: F811
    page = editor
    posts = []
    page.on("request", lambda r: posts.append(r.post_data or "") if r.method == "POST" else None)
    version = draft.version
    revisions = Revision.objects.filter(postmortem=draft).count()
    page.locator("#pm-title").focus()
    seen = set()
    for _ in range(600):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] == "body" or (now["id"], now["label"]) in seen and not now["section"]:
            break
        seen.add((now["id"], now["label"]))
    assert len(seen) > 50  # the pass went through the sections, not just the bar
    page.wait_for_timeout(600)
    assert not [p for p in posts if re.search(r"(^|&)op=", p)]
    draft.refresh_from_db()
    assert draft.version == version
    assert Revision.objects.filter(postmortem=draft).count() == revisions
    assert Postmortem.objects.get(pk=draft.pk).version == version


def test_a_deleted_row_is_undone_with_the_keyboard(editor, draft):  # noqa: F811
    page = editor
    why = page.locator("#id_s-five-whys-1-why")
    why.fill("Why was the pool exhausted?")
    with page.expect_response(is_save_of("five-whys")):
        why.press("Tab")  # the change saves; focus is on "Because"
    wait_saved(page, "five-whys")
    remove = page.get_by_role("button", name="Remove why 2")
    remove.focus()
    with page.expect_response(is_save_of("five-whys")):
        page.keyboard.press("Enter")
    offer = page.locator("#editor-five-whys [data-row-undo]")
    expect(offer).to_have_attribute("role", "status")
    expect(offer).to_contain_text("Row deleted")
    undo = offer.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    assert len(rows_of(draft, "five-whys", "whys")) == 4

    with page.expect_response(is_save_of("five-whys")):
        page.keyboard.press("Space")
    expect(page.locator("#id_s-five-whys-1-why")).to_have_value("Why was the pool exhausted?")
    expect(page.locator("#id_s-five-whys-1-why")).to_be_focused()
    expect(offer).to_have_count(0)
    whys = rows_of(draft, "five-whys", "whys")
    assert len(whys) == 5 and whys[1]["why"] == "Why was the pool exhausted?"
    summaries = list(
        Revision.objects.filter(postmortem=draft)
        .order_by("number")
        .values_list("summary", flat=True)
    )
    assert summaries[-2:] == [
        "Five whys: why 2 deleted",
        "Five whys: deleted why restored as why 2",
    ]


def test_the_undo_offer_leaves_after_a_few_seconds(editor, draft):  # noqa: F811
    page = editor
    with page.expect_response(is_save_of("five-whys")):
        page.get_by_role("button", name="Remove why 5").click()
    offer = page.locator("#editor-five-whys [data-row-undo]")
    # Offered once the form has settled: the keyboard is on Undo (the clicked button has gone).
    expect(offer.get_by_role("button", name="Undo")).to_be_focused()
    page.locator("#id_s-five-whys-0-why").focus()
    page.mouse.move(0, 0)  # it stays while the pointer rests on it
    expect(offer).to_have_count(0, timeout=12_000)
    assert len(rows_of(draft, "five-whys", "whys")) == 4


MOVE_ON_BEFORE_SETTLE = """() => {
  let moved = false;
  document.addEventListener("htmx:afterSwap", (event) => {
    if (moved || event.detail.elt.id !== "editor-five-whys") return;
    moved = true;
    document.getElementById("id_s-five-whys-0-why").focus();
  });
}"""


def test_the_undo_offer_never_takes_the_keyboard_from_a_field_moved_to(editor, draft):  # noqa: F811
    """The writer goes on to a field while the redrawn form has yet to settle (htmx settles a
    moment after the swap, later on a busy computer): the offer comes, the field keeps the
    keyboard, and the offer leaves as usual."""
    page = editor
    page.evaluate(MOVE_ON_BEFORE_SETTLE)
    with page.expect_response(is_save_of("five-whys")):
        page.get_by_role("button", name="Remove why 5").click()
    offer = page.locator("#editor-five-whys [data-row-undo]")
    expect(offer).to_have_attribute("data-shown", "1")  # offered: the form has settled
    first_why = page.locator("#id_s-five-whys-0-why")
    expect(first_why).to_be_focused()
    page.mouse.move(0, 0)
    expect(offer).to_have_count(0, timeout=12_000)
    expect(first_why).to_be_focused()
    assert len(rows_of(draft, "five-whys", "whys")) == 4


def test_a_server_error_keeps_the_section_and_its_typing_and_retries(editor, draft):  # noqa: F811
    """A 5xx answer is not swapped in: the rows stay as typed, and the retry saves them."""
    page = editor
    failed = []

    def fail_once(route):
        if route.request.method == "POST" and not failed:
            failed.append(route.request.url)
            route.fulfill(status=500, body="")
        else:
            route.continue_()

    page.route(re.compile(r".*/sections/timeline/.*"), fail_once)
    last = len(rows_of(draft, "timeline", "rows")) - 1
    event = page.locator(f"#id_s-timeline-{last}-event")
    event.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" (kept through a 500)")
    page.keyboard.press("Tab")

    section = page.locator("#section-timeline")
    expect(section).to_have_attribute("data-state", re.compile("error|saving"))
    expect(event).to_have_value(re.compile(r"\(kept through a 500\)$"))
    expect(section).to_have_attribute("data-state", "saved", timeout=15_000)
    assert failed  # the first save was answered 500 (read once the retry has saved)
    assert rows_of(draft, "timeline", "rows")[last]["event"].endswith("(kept through a 500)")
