"""A postmortem's action items edited in place: added, refused on bad input, edited, their
status changed and deleted inline, with htmx and without, and two tabs changing one item."""

import re

import pytest

from actionitems.models import ActionItem, ItemStatus
from organizations.roles import Role
from tests.actionitems.helpers import (
    HTMX,
    SECTION,
    add,
    delete_url,
    html,
    invite_editor,
    item_url,
    list_url,
    new_item_data,
    page_url,
    row_of,
    soon,
)

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


def test_a_nul_byte_in_the_owner_is_a_400_naming_it(ann, org, draft):
    response = ann.post(list_url(draft), new_item_data(org, owner="ann\x00"), headers=HTMX)
    assert response.status_code == 400
    assert "owner" in response.content.decode()
    assert not ActionItem.objects.filter(postmortem=draft).exists()


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
