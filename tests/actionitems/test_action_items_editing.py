"""A postmortem's action items: the table of each action-items section in the editor (added,
edited, status changed and deleted inline, with htmx and without) and in the read view, the
counts of the read view and the postmortem list, rights, bad input, and bounded queries."""

import re
from datetime import timedelta
from functools import partial

import pytest
from django.urls import reverse

from actionitems import services
from actionitems.models import ActionItem, ItemStatus
from actionitems.selectors import today_in
from organizations.roles import Role
from postmortems.models import PostmortemStatus
from postmortems.review import people as services_people
from postmortems.review import transitions
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import submitted

HTMX = {"HX-Request": "true"}
SECTION = "actions-immediate"


# --- Helpers -------------------------------------------------------------------------------------


def list_url(postmortem, org_slug="acme") -> str:
    kwargs = {"org_slug": org_slug, "number": postmortem.number}
    return reverse("postmortem_action_items", kwargs=kwargs)


def item_url(postmortem, item, org_slug="acme") -> str:
    kwargs = {"org_slug": org_slug, "number": postmortem.number, "item": item.number}
    return reverse("postmortem_action_item", kwargs=kwargs)


def delete_url(postmortem, item, org_slug="acme") -> str:
    kwargs = {"org_slug": org_slug, "number": postmortem.number, "item": item.number}
    return reverse("postmortem_action_item_delete", kwargs=kwargs)


def page_url(name, postmortem) -> str:
    return reverse(name, kwargs={"org_slug": "acme", "number": postmortem.number})


def add(postmortem, actor, description="Page on-call when checkout errors exceed 1%", **fields):
    fields.setdefault("section_key", SECTION)
    return services.action_item_create(
        postmortem=postmortem, actor=actor, description=description, **fields
    )


def soon(organization, days=10):
    return today_in(organization) + timedelta(days=days)


def html(response) -> str:
    return response.content.decode()


def row_of(page: str, item) -> str:
    """The ``<tr>`` of one item in a page."""
    found = re.search(rf'<tr[^>]*id="action-item-{item.number}".*?</tr>', page, re.S)
    assert found, f"no row for AI-{item.number}"
    return found.group(0)


def published(postmortem, author, reviewer):
    submitted(postmortem, author, reviewer)
    transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    return postmortem


@pytest.fixture
def ann(client, author):
    client.force_login(author)
    return client


def new_item_data(org, **overrides) -> dict:
    data = {
        "section": SECTION,
        "description": "Alert when payment errors exceed 1% for 5 minutes",
        "owner": "ann",
        "priority": "HIGH",
        "due_date": soon(org).isoformat(),
        "category": "DETECT",
        "success_criteria": "A synthetic failure pages on-call within 5 minutes",
        "ticket_url": "https://acme.atlassian.net/browse/PAY-123",
    }
    data.update(overrides)
    return data


# --- Adding --------------------------------------------------------------------------------------


def test_adding_with_htmx_answers_the_section_table_with_the_new_row(ann, org, draft, author):
    response = ann.post(list_url(draft), new_item_data(org), headers=HTMX)
    assert response.status_code == 200
    item = ActionItem.objects.get(postmortem=draft)
    assert (item.owner, item.priority, item.category) == (author, "HIGH", "DETECT")
    assert item.section_key == SECTION and item.due_date == soon(org)
    assert item.ticket_url.endswith("PAY-123") and item.created_by == author
    page = html(response)
    assert page.lstrip().startswith(f'<div class="ai-block ai-block--edit" id="ai-{SECTION}"')
    row = row_of(page, item)
    assert "Alert when payment errors exceed 1%" in row and "Ann Author" in row
    assert "data-ai-focus-add" in page  # the add form is ready for the next one
    assert "<html" not in page


def test_adding_without_javascript_redirects_to_the_item_in_the_editor(ann, org, draft):
    response = ann.post(list_url(draft), new_item_data(org))
    item = ActionItem.objects.get(postmortem=draft)
    assert response.status_code == 302
    assert (
        response["Location"] == page_url("postmortem_edit", draft) + f"#action-item-{item.number}"
    )
    editor = html(ann.get(response["Location"]))
    assert f"AI-{item.number} added." in editor
    assert 'id="action-item-' in editor and "Alert when payment errors" in editor


def test_a_blank_priority_takes_the_default_and_items_go_to_their_section(ann, org, draft):
    data = new_item_data(org, section="actions-long-term", priority="", owner="", due_date="")
    assert ann.post(list_url(draft), data, headers=HTMX).status_code == 200
    item = ActionItem.objects.get(postmortem=draft)
    assert (item.priority, item.owner, item.due_date) == ("MEDIUM", None, None)
    assert item.section_key == "actions-long-term"


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"owner": "stranger"}, "owner", "Choose a member of this organization"),
        ({"due_date": "2020-01-01"}, "due_date", "cannot be due in the past"),
        ({"due_date": "next tuesday"}, "due_date", "Enter a date as YYYY-MM-DD"),
        ({"priority": "URGENT"}, "priority", "is not a priority"),
        ({"category": "BLAME"}, "category", "Choose one of DETECT"),
        ({"ticket_url": "javascript:alert(1)"}, "ticket_url", "web address"),
        ({"description": "   "}, "description", "Describe the change"),
        ({"section": "root-cause"}, "section", "action-item sections"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_keeping_the_input(
    ann, org, other_org, member_factory, draft, overrides, field, message
):
    member_factory(Role.ENGINEER, organization=other_org, username="stranger")
    data = new_item_data(org, description="Keep this text: rotate the signing keys")
    data.update(overrides)
    for headers in (HTMX, {}):
        response = ann.post(list_url(draft), data, headers=headers)
        assert response.status_code == 400
        page = html(response)
        assert message in page
        assert 'aria-invalid="true"' in page
        if field != "description":
            assert "Keep this text: rotate the signing keys" in page  # the input is kept
    assert not ActionItem.objects.filter(postmortem=draft).exists()


def test_a_refused_add_with_htmx_shows_the_message_under_its_field(ann, org, draft):
    response = ann.post(list_url(draft), new_item_data(org, due_date="2020-01-01"), headers=HTMX)
    assert response.status_code == 400
    page = html(response)
    assert f'id="ai-new-{SECTION}-due_date-error"' in page
    assert 'value="2020-01-01"' in page and "<details" in page and " open>" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "DONE"}, "status", "is not a status"),
        ({"priority": "P0"}, "priority", "is not a priority"),
        ({"status": "WONT_DO"}, "wont_do_reason", "Say why"),
        ({"status": "WONT_DO", "wont_do_reason": "  "}, "wont_do_reason", "Say why"),
        ({"owner": "nobody-here"}, "owner", "Choose a member"),
    ],
)
def test_bad_updates_are_400s_and_change_nothing(ann, draft, author, data, field, message):
    item = add(draft, author)
    for headers in (HTMX, {}):
        response = ann.post(item_url(draft, item), data, headers=headers)
        assert response.status_code == 400, html(response)
        assert message in html(response)
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN and item.priority == "MEDIUM" and item.owner is None


def test_wont_do_without_reason_keeps_the_choice_and_asks_for_the_reason(ann, draft, author):
    item = add(draft, author)
    response = ann.post(item_url(draft, item), {"status": "WONT_DO"}, headers=HTMX)
    assert response.status_code == 400
    row = html(response)
    assert '<option value="WONT_DO" selected>' in row
    assert f'id="ai-reason-error-{item.number}"' in row
    assert "data-ai-reason hidden" not in row  # the reason field is shown
    response = ann.post(
        item_url(draft, item), {"status": "WONT_DO", "wont_do_reason": "Replaced by AI-9"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.wont_do_reason) == ("WONT_DO", "Replaced by AI-9")


# --- Editing, status, deleting -------------------------------------------------------------------


def test_the_edit_form_replaces_the_row_and_cancel_brings_it_back(ann, draft, author):
    item = add(draft, author, success_criteria="Pages within 5 minutes")
    response = ann.get(item_url(draft, item), {"edit": "1"}, headers=HTMX)
    assert response.status_code == 200
    form = html(response)
    assert form.lstrip().startswith(
        f'<tr class="ai-row ai-row--editing" id="action-item-{item.number}"'
    )
    assert "Page on-call when checkout errors exceed 1%</textarea>" in form
    assert 'name="was-description"' in form and "data-ai-cancel" in form
    row = html(ann.get(item_url(draft, item), headers=HTMX))
    assert row.lstrip().startswith(
        f'<tr class="ai-row ai-row--open" id="action-item-{item.number}"'
    )
    plain = ann.get(item_url(draft, item), {"edit": "1"})  # without JavaScript: a page
    assert plain.status_code == 200 and "<html" in html(plain) and "Edit AI-" in html(plain)
    back = ann.get(item_url(draft, item))
    assert back.status_code == 302 and back["Location"].endswith(f"#action-item-{item.number}")


def test_saving_the_edit_form_answers_the_row(ann, org, draft, author, member_factory):
    bob = member_factory(Role.ENGINEER, username="bob", first_name="Bob", last_name="Builder")
    item = add(draft, author)
    data = {
        "editor": "row",
        "description": "Add a 1% error-rate alert on /api/pay",
        "owner": "BOB",
        "priority": "CRITICAL",
        "due_date": soon(org, 3).isoformat(),
        "status": "IN_PROGRESS",
        "category": "PREVENT",
        "success_criteria": "Fires in staging",
        "ticket_url": "https://github.com/acme/api/issues/42",
        "wont_do_reason": "",
    }
    response = ann.post(item_url(draft, item), data, headers=HTMX)
    assert response.status_code == 200
    row = html(response)
    assert row.lstrip().startswith("<tr") and "Add a 1% error-rate alert on /api/pay" in row
    assert "Bob Builder" in row and "In 3 days" in row and "api#42" in row
    item.refresh_from_db()
    assert (item.owner, item.priority, item.status, item.category) == (
        bob,
        "CRITICAL",
        "IN_PROGRESS",
        "PREVENT",
    )


def test_a_refused_edit_without_javascript_shows_the_form_again_with_the_input(ann, draft, author):
    item = add(draft, author)
    data = {"editor": "row", "description": "Shard the ledger by merchant", "owner": "ghost"}
    data.update({"was-description": item.description, "was-owner": ""})
    response = ann.post(item_url(draft, item), data)
    assert response.status_code == 400
    page = html(response)
    assert "<html" in page and f"Edit AI-{item.number}" in page
    assert "Shard the ledger by merchant</textarea>" in page and 'value="ghost"' in page
    assert "Choose a member of this organization as the owner." in page
    item.refresh_from_db()
    assert item.description.startswith("Page on-call")  # nothing half-saved


def test_the_status_select_saves_alone_with_htmx_and_without(ann, draft, author):
    item = add(draft, author, owner=author)
    response = ann.post(item_url(draft, item), {"status": "COMPLETED"}, headers=HTMX)
    assert response.status_code == 200
    assert '<option value="COMPLETED" selected>' in html(response)
    item.refresh_from_db()
    assert item.status == "COMPLETED" and item.completed_at is not None
    assert item.owner == author  # untouched
    response = ann.post(item_url(draft, item), {"status": "OPEN", "mode": "edit"})
    assert response.status_code == 302
    assert (
        response["Location"] == page_url("postmortem_edit", draft) + f"#action-item-{item.number}"
    )
    item.refresh_from_db()
    assert item.status == "OPEN" and item.completed_at is None


def test_deleting_answers_the_table_without_the_row(ann, draft, author):
    kept = add(draft, author, description="Keep the runbook link in the alert")
    gone = add(draft, author, description="Rotate the leaked key within a day")
    response = ann.post(delete_url(draft, gone), {"section": SECTION}, headers=HTMX)
    assert response.status_code == 200
    page = html(response)
    assert f'id="ai-{SECTION}"' in page
    assert "Keep the runbook link" in page and "Rotate the leaked key" not in page
    assert list(ActionItem.objects.filter(postmortem=draft)) == [kept]
    response = ann.post(delete_url(draft, kept))
    assert response.status_code == 302 and response["Location"].endswith(f"#section-{SECTION}")
    assert not ActionItem.objects.filter(postmortem=draft).exists()
    assert ann.get(delete_url(draft, kept)).status_code == 404  # gone: no such item


def test_two_tabs_changing_different_fields_keep_both(ann, client, org, draft, author, reviewer):
    bob_tab = client.__class__()
    bob_tab.force_login(reviewer)
    invite_editor(draft, author, reviewer)
    item = add(draft, author, description="Add an alert on the payment queue depth")
    # Tab A opens the edit form (with what each field held); tab B changes the owner.
    form = html(ann.get(item_url(draft, item), {"edit": "1"}, headers=HTMX))
    was = dict(re.findall(r'name="was-([a-z_]+)" value="([^"]*)"', form))
    assert was["owner"] == "" and was["description"].startswith("Add an alert")
    assert bob_tab.post(item_url(draft, item), {"owner": "rita"}).status_code == 302
    # Tab A saves its form as it was opened, with only the description changed.
    posted = dict(was)
    posted.update({f"was-{name}": value for name, value in was.items()})
    posted.update(editor="row", description="Alert when the payment queue is over 10k for 5m")
    assert ann.post(item_url(draft, item), posted, headers=HTMX).status_code == 200
    item.refresh_from_db()
    assert item.owner == reviewer  # tab B's change survives
    assert item.description == "Alert when the payment queue is over 10k for 5m"
    # Two inline editors posting one field each also keep both.
    ann.post(item_url(draft, item), {"priority": "LOW"}, headers=HTMX)
    bob_tab.post(item_url(draft, item), {"due_date": soon(org, 20).isoformat()}, headers=HTMX)
    item.refresh_from_db()
    assert (item.priority, item.due_date, item.owner) == ("LOW", soon(org, 20), reviewer)


def invite_editor(postmortem, author, user):
    """Invite ``user`` to edit ``postmortem``."""
    services_people.editor_invite(postmortem=postmortem, actor=author, user=user)


# --- Rights --------------------------------------------------------------------------------------


def test_a_viewer_may_neither_add_nor_change_nor_delete(client, org, draft, author, viewer):
    item = add(draft, author, owner=author)
    client.force_login(viewer)
    assert client.post(list_url(draft), new_item_data(org), headers=HTMX).status_code == 403
    assert client.post(item_url(draft, item), {"status": "COMPLETED"}).status_code == 403
    assert client.post(delete_url(draft, item)).status_code == 403
    assert client.get(item_url(draft, item), {"edit": "1"}).status_code == 403
    item.refresh_from_db()
    assert item.status == "OPEN" and ActionItem.objects.filter(postmortem=draft).count() == 1


def test_a_member_who_is_not_an_editor_of_the_draft_gets_403s(client, org, draft, author, engineer):
    item = add(draft, author)
    client.force_login(engineer)
    assert client.post(list_url(draft), new_item_data(org)).status_code == 403
    response = client.post(item_url(draft, item), {"description": "Mine now"}, headers=HTMX)
    assert response.status_code == 403
    assert client.post(item_url(draft, item), {"status": "COMPLETED"}).status_code == 403
    assert client.post(delete_url(draft, item), headers=HTMX).status_code == 403
    item.refresh_from_db()
    assert item.description.startswith("Page on-call") and item.status == "OPEN"


def test_on_a_published_postmortem_the_owner_changes_the_status_only(
    client, org, draft, author, reviewer, engineer, second_reviewer
):
    item = add(draft, author, owner=engineer)
    postmortem = published(draft, author, reviewer)
    client.force_login(engineer)
    response = client.post(
        item_url(postmortem, item), {"status": "IN_PROGRESS", "mode": "read"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "ai-cell-tools" not in html(response)  # read-only row: no edit or delete
    response = client.post(item_url(postmortem, item), {"description": "Rewritten"})
    assert response.status_code == 403
    plain = client.post(item_url(postmortem, item), {"status": "COMPLETED"})
    assert (
        plain.status_code == 302 and page_url("postmortem_detail", postmortem) in plain["Location"]
    )
    item.refresh_from_db()
    assert item.status == "COMPLETED" and item.description.startswith("Page on-call")
    # The author may no longer edit the published document, nor add to it.
    client.force_login(author)
    assert client.post(item_url(postmortem, item), {"priority": "LOW"}).status_code == 403
    assert client.post(list_url(postmortem), new_item_data(org)).status_code == 403
    # A manager changes the status, and reschedules.
    client.force_login(second_reviewer)
    assert client.post(item_url(postmortem, item), {"status": "OPEN"}).status_code == 302
    response = client.post(item_url(postmortem, item), {"due_date": soon(org, 30).isoformat()})
    assert response.status_code == 302


def test_the_read_view_shows_the_status_select_only_where_it_works(
    client, org, draft, author, reviewer, engineer
):
    mine = add(draft, author, owner=engineer, description="Backfill the missing ledger rows")
    theirs = add(draft, author, owner=author, description="Document the failover runbook")
    postmortem = published(draft, author, reviewer)
    client.force_login(engineer)
    page = html(client.get(page_url("postmortem_detail", postmortem)))
    assert f'id="ai-status-{mine.number}"' in row_of(page, mine)
    assert f'id="ai-status-{theirs.number}"' not in row_of(page, theirs)
    assert 'name="mode" value="read"' in row_of(page, mine)
    assert "ai-cell-tools" not in page and "Add an action item" not in page


# --- Lookups -------------------------------------------------------------------------------------


def test_an_item_of_another_postmortem_or_organization_is_a_404(
    ann, org, other_org, templates, draft, author, member_factory
):
    other_pm = make_postmortem(org, author, make_incident(org, commander=author))
    elsewhere = add(other_pm, author)
    for method, url in (
        ("get", item_url(draft, elsewhere)),
        ("post", item_url(draft, elsewhere)),
        ("post", delete_url(draft, elsewhere)),
    ):
        assert getattr(ann, method)(url, headers=HTMX).status_code == 404
    assert ActionItem.objects.filter(pk=elsewhere.pk).exists()
    assert ann.get(list_url(draft), {"section": "nope"}, headers=HTMX).status_code == 404


def test_the_section_table_partial(ann, draft, author):
    item = add(draft, author)
    response = ann.get(list_url(draft), {"section": SECTION}, headers=HTMX)
    assert response.status_code == 200
    assert f'id="action-item-{item.number}"' in html(response)
    read = html(ann.get(list_url(draft), {"section": SECTION, "mode": "read"}, headers=HTMX))
    assert "ai-cell-tools" not in read and f'id="ai-status-{item.number}"' in read
    plain = ann.get(list_url(draft), {"section": SECTION})
    assert plain.status_code == 302 and plain["Location"].endswith(f"#section-{SECTION}")


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
    assert large == small
    assert large[0] <= 25  # the editor's budget


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
    assert count_queries(lambda: ann.post(url, {"status": "IN_PROGRESS"}, headers=HTMX)) <= 14


def test_a_nul_byte_in_the_owner_is_a_400_naming_it(ann, org, draft):
    response = ann.post(list_url(draft), new_item_data(org, owner="ann\x00"), headers=HTMX)
    assert response.status_code == 400
    assert "owner" in response.content.decode()
    assert not ActionItem.objects.filter(postmortem=draft).exists()
