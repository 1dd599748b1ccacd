"""What a postmortem's action-item tables show (ticket chips, flags, inert text, due-date
suggestions), the counts of the read view and the postmortem list, and their query cost."""

import re
from datetime import timedelta
from functools import partial

import pytest
from django.urls import reverse

from actionitems import services
from actionitems.models import ActionItem
from organizations.roles import Role
from organizations.selectors import today_in
from tests.actionitems.helpers import (
    HTMX,
    add,
    html,
    invite_editor,
    item_url,
    page_url,
    row_of,
    soon,
)
from tests.postmortems.editor.helpers import make_incident, make_postmortem

# --- What the table shows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind", "label", "ref"),
    [
        ("https://acme.atlassian.net/browse/PAY-123", "jira", "Jira", "PAY-123"),
        ("https://jira.acme.io/browse/OPS-7", "jira", "Jira", "OPS-7"),
        ("https://github.com/acme/billing/issues/42", "github", "GitHub", "billing#42"),
        ("https://github.com/acme/api/pull/7", "github", "GitHub", "api#7"),
        ("https://linear.app/acme/issue/ENG-88/fix-retries", "linear", "Linear", "ENG-88"),
        ("https://tickets.example.com/t/991", "ticket", "Ticket", "tickets.example.com"),
    ],
)
def test_ticket_chips_are_labelled_by_tracker(ann, draft, author, url, kind, label, ref):
    item = add(draft, author, ticket_url=url)
    row = row_of(html(ann.get(page_url("postmortem_edit", draft))), item)
    chip = re.search(r'<a class="ai-ticket ai-ticket--(\w+)" href="([^"]+)"[^>]*>(.*?)</a>', row)
    assert chip and chip.group(1) == kind and chip.group(2) == url
    assert f'ai-ticket__kind">{label}<' in chip.group(3) and f">{ref}<" in chip.group(3)
    assert 'rel="noopener noreferrer"' in row


def test_missing_owner_due_date_and_criteria_are_flagged_and_vague_items_hinted(
    ann, org, draft, author
):
    bare = add(draft, author, description="Improve monitoring")
    complete = add(
        draft,
        author,
        description="Alert when checkout errors exceed 1% for 5 minutes",
        owner=author,
        due_date=soon(org),
        success_criteria="A synthetic failure pages within 5 minutes",
    )
    done = add(draft, author, description="Be more careful")
    services.action_item_update(item=done, actor=author, changes={"status": "COMPLETED"})
    page = html(ann.get(page_url("postmortem_edit", draft)))
    bare_row, complete_row, done_row = (row_of(page, i) for i in (bare, complete, done))
    for flag in ("No owner", "No due date", "No success criteria"):
        assert flag in bare_row and flag not in complete_row and flag not in done_row
    assert "Vague: make it specific" in bare_row and "Vague: make it specific" not in complete_row
    assert "Vague: make it specific" not in done_row  # closed: nothing left to fix
    assert "which alert, which threshold, which test" in bare_row  # the whole hint, unfolded
    assert "Done when" in complete_row


def test_descriptions_and_texts_are_shown_as_inert_text(ann, client, draft, author, reviewer):
    nasty = (
        '<script>alert(1)</script> **bold** [x](javascript:alert(2)) <img src=x onerror="alert(3)">'
    )
    item = add(draft, author, description=nasty, success_criteria="<b>done</b>\n<i>really</i>")
    pages = [
        html(ann.get(page_url("postmortem_edit", draft))),
        html(ann.get(page_url("postmortem_detail", draft))),
        html(ann.get(item_url(draft, item), headers=HTMX)),
        html(ann.get(item_url(draft, item), {"edit": "1"}, headers=HTMX)),
    ]
    for page in pages:
        row = row_of(page, item)
        assert "<script>alert(1)" not in row and "<img src=x" not in row and "<b>done" not in row
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row
        assert "<strong>bold" not in row and 'href="javascript' not in row


def test_the_add_form_carries_the_due_date_suggestions(ann, org, draft):
    page = html(ann.get(page_url("postmortem_edit", draft)))
    for value, days in (("CRITICAL", 7), ("HIGH", 28), ("MEDIUM", 61), ("LOW", 91)):
        assert f'<option value="{value}" data-days="{days}"' in page
    assert f'data-today="{today_in(org).isoformat()}"' in page
    assert f'min="{today_in(org).isoformat()}"' in page  # a new item is not due in the past
    search = reverse("member_search", kwargs={"org_slug": "acme"})
    assert f'data-member-picker="{search}?role=editor"' in page
    assert page.count('class="ai-block ai-block--edit"') == 3  # the three action-items sections


# --- Counts: the read view and the postmortem list -----------------------------------------------


def overdue(item, days=2):
    ActionItem.objects.filter(pk=item.pk).update(
        due_date=today_in(item.organization) - timedelta(days=days)
    )


def test_the_read_view_header_counts_open_and_completed_and_warns_of_overdue(
    ann, org, draft, author
):
    late = add(draft, author, owner=author, due_date=soon(org))
    add(draft, author)
    done = add(draft, author)
    services.action_item_update(item=done, actor=author, changes={"status": "COMPLETED"})
    overdue(late)
    page = html(ann.get(page_url("postmortem_detail", draft)))
    assert "2 open · 1 completed" in page
    assert '<span class="ai-overdue" role="status">1 overdue</span>' in page
    assert "2 days overdue" in row_of(page, late)


def test_the_postmortem_list_shows_counts_and_overdue_per_row(ann, org, draft, author, templates):
    late = add(draft, author, owner=author, due_date=soon(org))
    add(draft, author)
    overdue(late)
    quiet = make_postmortem(org, author, make_incident(org, commander=author))
    page = html(ann.get(reverse("postmortem_list", kwargs={"org_slug": "acme"})))
    rows = {
        re.search(r"PM-(\d+)", row).group(1): row
        for row in re.findall(r"<tr>.*?</tr>", page, re.S)
        if "PM-" in row
    }
    assert "<strong>2</strong> open</span>" in rows[str(draft.number)]
    assert ">0 done</span>" in rows[str(draft.number)]
    assert '<span class="ai-list-counts__late">1 overdue</span>' in rows[str(draft.number)]
    assert "ai-list-counts" not in rows[str(quiet.number)]


# --- Bounded queries -----------------------------------------------------------------------------


def many_items(postmortem, author, member_factory, count):
    owners = [member_factory(Role.ENGINEER) for _ in range(4)]
    sections = ("actions-immediate", "actions-short-term", "actions-long-term")
    for n in range(count):
        add(
            postmortem,
            author,
            description=f"Specific change number {n} with an alert at 1%",
            owner=owners[n % 4],
            due_date=soon(postmortem.organization, n % 40),
            section_key=sections[n % 3],
            ticket_url=f"https://github.com/acme/api/issues/{n}",
        )


def test_the_editor_and_read_view_cost_the_same_queries_whatever_the_number_of_items(
    ann, client, org, draft, author, reviewer, member_factory, count_queries
):
    invite_editor(draft, author, reviewer)
    add(draft, author)
    client.force_login(reviewer)  # an invited editor: rights from object permissions
    urls = (page_url("postmortem_edit", draft), page_url("postmortem_detail", draft))
    for user_client in (ann, client):
        for url in urls:
            user_client.get(url)  # warm caches

    def counts() -> list[int]:
        return [count_queries(partial(c.get, u)) for c in (ann, client) for u in urls]

    small = counts()
    many_items(draft, author, member_factory, 30)
    large = counts()
    assert large == small == [20, 23, 20, 23]  # the editor's, the read view's


def test_the_list_costs_the_same_queries_whatever_the_number_of_items(
    ann, org, draft, author, templates, member_factory, count_queries
):
    list_page = reverse("postmortem_list", kwargs={"org_slug": "acme"})
    add(draft, author)
    ann.get(list_page)
    small = count_queries(lambda: ann.get(list_page))
    many_items(draft, author, member_factory, 12)
    for _ in range(3):
        other = make_postmortem(org, author, make_incident(org, commander=author))
        many_items(other, author, member_factory, 5)
    large = count_queries(lambda: ann.get(list_page))
    assert large == small


def test_row_answers_cost_a_few_queries(ann, draft, author, member_factory, count_queries):
    many_items(draft, author, member_factory, 20)
    item = ActionItem.objects.filter(postmortem=draft).first()
    url = item_url(draft, item)
    ann.get(url, headers=HTMX)
    assert count_queries(lambda: ann.get(url, headers=HTMX)) <= 8
    # Five of them record the postmortem's revision: its lock, its sections, its items, its
    # latest revision and the revision written; one counts its items for the remediation stamp.
    assert count_queries(lambda: ann.post(url, {"status": "IN_PROGRESS"}, headers=HTMX)) <= 20
