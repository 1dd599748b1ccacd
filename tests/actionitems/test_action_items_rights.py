"""Who may add, change and delete a postmortem's action items (viewers, members who are not
editors, owners and managers once published), and which item and section a URL finds."""

from actionitems.models import ActionItem
from postmortems.models import PostmortemStatus
from postmortems.review import transitions
from tests.actionitems.helpers import (
    HTMX,
    SECTION,
    add,
    delete_url,
    html,
    item_url,
    list_url,
    new_item_data,
    page_url,
    row_of,
    soon,
)
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.review.helpers import submitted


def published(postmortem, author, reviewer):
    submitted(postmortem, author, reviewer)
    transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    return postmortem


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
