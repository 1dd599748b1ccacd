"""Readable history of a postmortem's action items: each revision keeps the items, each item
change (by a writer, an owner, a manager in bulk or the item's ticket) records a revision, and
the compare page and the review screen show items added, removed and changed, field by field."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from actionitems import services as items
from actionitems.models import ActionItem
from organizations.roles import Role
from organizations.selectors import today_in
from postmortems import services
from postmortems.models import Revision
from postmortems.read.item_changes import document_changes
from postmortems.review import transitions
from tests.postmortems.editor.helpers import make_incident, make_postmortem
from tests.postmortems.read.helpers import url
from tests.postmortems.review.helpers import html_of, in_review, published
from tests.postmortems.review.helpers import url as review_url

SHORT_TERM = "actions-short-term"


@pytest.fixture
def bob(member_factory):
    return member_factory(Role.ENGINEER, username="bob", first_name="Bob", last_name="Byrne")


def add(postmortem, actor, description="Alert on pool saturation above 80%", **fields):
    fields.setdefault("section_key", SHORT_TERM)
    return items.action_item_create(
        postmortem=postmortem, actor=actor, description=description, **fields
    )


def later(postmortem) -> None:
    """Time passes: the latest revision is older than the window a writer's edits coalesce in."""
    then = timezone.now() - services.COALESCE_WINDOW - timedelta(minutes=1)
    Revision.objects.filter(postmortem=postmortem).update(updated_at=then)


def latest(postmortem) -> Revision:
    return Revision.objects.filter(postmortem=postmortem).order_by("-number").first()


def text(html: str) -> str:
    """The changes the page shows, as words."""
    region = html[html.index('class="diff-legend') : html.rindex("</section>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", region))


def compare(client, postmortem) -> str:
    """The compare page's text: the latest revision against the one before it."""
    response = client.get(url("postmortem_diff", postmortem.organization, number=postmortem.number))
    assert response.status_code == 200
    return text(html_of(response))


# --- Revisions keep the items ---------------------------------------------------------------------


def test_a_revision_keeps_each_item_as_a_reader_reads_it(draft, author, bob):
    due = today_in(draft.organization) + timedelta(days=10)
    item = add(draft, author, owner=bob, due_date=due, priority="HIGH", category="DETECT")
    kept = latest(draft).snapshot["action_items"]
    assert kept == [
        {
            "id": item.pk,
            "number": item.number,
            "title": "Alert on pool saturation above 80%",
            "owner": "Bob Byrne",
            "due_date": due.isoformat(),
            "priority": "High",
            "status": "Open",
            "category": "Detect",
            "success_criteria": "",
            "wont_do_reason": "",
            "section_key": SHORT_TERM,
        }
    ]
    assert latest(draft).author == author


def test_a_text_save_keeps_the_items_too(draft, author):
    add(draft, author)
    later(draft)
    draft.refresh_from_db()
    services.postmortem_save(
        postmortem=draft, actor=author, base_version=draft.version, sections={"root-cause": "x"}
    )
    assert [i["title"] for i in latest(draft).snapshot["action_items"]] == [
        "Alert on pool saturation above 80%"
    ]


def test_a_writers_item_changes_coalesce_like_their_saves(draft, author):
    before = latest(draft).number
    item = add(draft, author)
    items.action_item_update(item=item, actor=author, changes={"priority": "CRITICAL"})
    add(draft, author, description="Load-test the pool at twice the peak")
    revision = latest(draft)
    assert revision.number == before + 1 and revision.summary == "Edited"
    assert revision.changed_sections == [SHORT_TERM]
    assert [i["priority"] for i in revision.snapshot["action_items"]] == ["Critical", "Medium"]


def test_an_item_change_leaves_the_documents_version_alone(draft, author):
    """Nobody's text autosave is made stale by someone adding an item."""
    version = draft.version
    add(draft, author)
    draft.refresh_from_db()
    assert draft.version == version


def test_saving_an_item_unchanged_or_its_ticket_address_records_nothing(draft, author):
    item = add(draft, author, priority="HIGH")
    later(draft)
    number = latest(draft).number
    items.action_item_update(item=item, actor=author, changes={"priority": "HIGH"})
    items.action_item_sync(item=item, changes={"ticket_url": "https://tracker.example.com/T-1"})
    assert latest(draft).number == number


def test_a_status_from_the_ticket_is_a_revision_by_nobody(draft, author):
    item = add(draft, author)
    items.action_item_sync(item=item, changes={"status": "COMPLETED"})
    revision = latest(draft)
    assert revision.author is None and revision.summary == "Action items updated from their tickets"
    assert revision.snapshot["action_items"][0]["status"] == "Completed"


def test_tickets_changing_many_items_make_one_revision(draft, author):
    made = [add(draft, author, description=f"Item {n}") for n in range(3)]
    later(draft)
    number = latest(draft).number
    for item in made:
        items.action_item_sync(item=item, changes={"status": "IN_PROGRESS"})
    assert latest(draft).number == number + 1
    assert {i["status"] for i in latest(draft).snapshot["action_items"]} == {"In progress"}


def test_the_owner_closing_an_item_of_a_published_postmortem_is_in_its_history(
    draft, author, reviewer, bob
):
    item = add(draft, author, owner=bob)
    published(draft, author, reviewer)
    items.action_item_update(item=item, actor=bob, changes={"status": "COMPLETED"})
    revision = latest(draft)
    assert revision.author == bob
    assert revision.snapshot["action_items"][0]["status"] == "Completed"


def test_a_bulk_change_records_one_revision_per_postmortem(org, templates, author, bob, manager):
    first = make_postmortem(org, author, make_incident(org, commander=author))
    second = make_postmortem(org, author, make_incident(org, commander=author))
    numbers = [add(pm, author).number for pm in (first, first, second)]
    later(first), later(second)
    before = {pm.pk: latest(pm).number for pm in (first, second)}
    items.action_items_bulk_update(
        organization=org, actor=manager, numbers=numbers, changes={"owner": bob}
    )
    for pm in (first, second):
        revision = latest(pm)
        assert revision.number == before[pm.pk] + 1 and revision.author == manager
        assert {i["owner"] for i in revision.snapshot["action_items"]} == {"Bob Byrne"}


@pytest.fixture
def manager(member_factory):
    return member_factory(Role.MANAGER, username="mia", first_name="Mia", last_name="Manager")


# --- The compare page and the history ----------------------------------------------------------


def test_editing_an_item_shows_the_fields_that_changed(client, draft, author, bob):
    item = add(draft, author, owner=author, priority="HIGH")
    later(draft)
    due = today_in(draft.organization) + timedelta(days=3)
    items.action_item_update(
        item=item,
        actor=author,
        changes={"priority": "CRITICAL", "status": "IN_PROGRESS", "owner": bob, "due_date": due},
    )
    client.force_login(author)
    page = compare(client, draft)
    assert f"Changed AI-{item.number} · Alert on pool saturation above 80%" in page
    assert "Owner was: Ann Author → now: Bob Byrne" in page
    assert "Priority was: High → now: Critical" in page
    assert "Status was: Open → now: In progress" in page
    assert f"Due none → now: {due.strftime('%b')} {due.day}, {due.year}" in page
    assert "Short-term actions (within 1 month)" in page
    assert "{" not in page and "HIGH" not in page and "IN_PROGRESS" not in page

    history = html_of(
        client.get(url("postmortem_history", draft.organization, number=draft.number))
    )
    row = re.search(rf'<tr id="revision-{latest(draft).number}">(.*?)</tr>', history, re.S)[1]
    assert "Short-term actions (within 1 month)" in row and "Ann Author" in row


def test_removing_an_item_shows_it_removed_with_what_it_was(client, draft, author):
    add(draft, author, description="Keep this one")
    item = add(draft, author, priority="LOW")
    later(draft)
    items.action_item_delete(item=item, actor=author)
    client.force_login(author)
    page = compare(client, draft)
    assert f"Removed AI-{item.number} · Alert on pool saturation above 80%" in page
    assert "Action item Alert on pool saturation above 80%" in page and "Priority Low" in page
    assert "1 other action item unchanged." in page
    assert "Keep this one" not in page


def test_adding_an_item_shows_it_added(client, draft, author):
    later(draft)
    item = add(draft, author, priority="HIGH")
    client.force_login(author)
    page = compare(client, draft)
    assert f"Added AI-{item.number} · Alert on pool saturation above 80%" in page
    assert "Priority High" in page and "Status Open" in page
    assert "Listed in" not in page  # the card it is in says where


def test_a_revision_from_before_items_were_kept_says_nothing_about_items(client, draft, author):
    add(draft, author)
    later(draft)
    draft.refresh_from_db()
    services.postmortem_save(
        postmortem=draft, actor=author, base_version=draft.version, sections={"root-cause": "New"}
    )
    older = Revision.objects.filter(postmortem=draft).order_by("-number")[1]
    older.snapshot.pop("action_items")
    Revision.objects.filter(pk=older.pk).update(snapshot=older.snapshot)
    client.force_login(author)
    page = compare(client, draft)
    assert "New" in page
    assert "AI-" not in page and "Added" not in page


def test_comparing_costs_the_same_queries_however_many_items(client, draft, author, count_queries):
    client.force_login(author)
    diff = url("postmortem_diff", draft.organization, number=draft.number)

    def change_all(count: int) -> int:
        ActionItem.objects.filter(postmortem=draft).delete()
        made = [add(draft, author, description=f"Item {n}") for n in range(count)]
        later(draft)
        for item in made:
            items.action_item_update(item=item, actor=author, changes={"priority": "HIGH"})
        client.get(diff)
        return count_queries(lambda: client.get(diff))

    assert change_all(1) == change_all(40)
    assert html_of(client.get(diff)).count("row-change--changed") == 40


def test_an_item_change_costs_the_same_queries_however_many_items(draft, author, count_queries):
    first = add(draft, author)
    cost_one = count_queries(
        lambda: items.action_item_update(item=first, actor=author, changes={"priority": "LOW"})
    )
    for n in range(30):
        add(draft, author, description=f"Item {n}")
    cost_many = count_queries(
        lambda: items.action_item_update(item=first, actor=author, changes={"priority": "HIGH"})
    )
    assert cost_many == cost_one


# --- The review screen ---------------------------------------------------------------------------


def test_the_review_screen_shows_item_changes_since_the_last_review(
    client, draft, author, reviewer
):
    item = add(draft, author, priority="MEDIUM")
    in_review(draft, author, reviewer)
    transitions.postmortem_request_changes(
        postmortem=draft, actor=reviewer, comment="Critical, surely?"
    )
    items.action_item_update(item=item, actor=author, changes={"priority": "CRITICAL"})
    gone = add(draft, author, description="A second thought")
    items.action_item_delete(item=gone, actor=author)
    draft.refresh_from_db()
    transitions.postmortem_submit(postmortem=draft, actor=author)
    client.force_login(reviewer)
    html = html_of(client.get(review_url("postmortem_review", draft)))
    region = html[html.index('id="rv-since-title"') : html.index('id="rv-doc-title"')]
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", region))
    assert f"Changed AI-{item.number}" in words
    assert "Priority was: Medium → now: Critical" in words
    assert "A second thought" not in words  # added and removed since: nothing to review
    assert "{" not in region


# --- Tenancy --------------------------------------------------------------------------------------


def test_another_organizations_items_never_enter_a_revision(
    org, other_org, templates, author, member_factory
):
    theirs_author = member_factory(Role.ENGINEER, organization=other_org, username="zed")
    services.templates_install_builtins(organization=other_org)
    with scope(organization=other_org):
        theirs = make_postmortem(
            other_org, theirs_author, make_incident(other_org, commander=theirs_author)
        )
        add(theirs, theirs_author, description="Globex secret plan")
    ours = make_postmortem(org, author, make_incident(org, commander=author))
    add(ours, author, description="Our item")
    with scopes_disabled():
        ours_kept = latest(ours).snapshot["action_items"]
        theirs_kept = latest(theirs).snapshot["action_items"]
    assert [i["title"] for i in ours_kept] == ["Our item"]
    assert [i["title"] for i in theirs_kept] == ["Globex secret plan"]


# --- The presenter on stored data ---------------------------------------------------------------


def revision(items_=None, sections=None) -> SimpleNamespace:
    snapshot = {
        "title": "Checkout outage",
        "sections": sections
        if sections is not None
        else [{"key": "actions", "title": "Actions", "kind": "action_items", "body": ""}],
    }
    if items_ is not None:
        snapshot["action_items"] = items_
    return SimpleNamespace(snapshot=snapshot)


def entry(id_, **fields) -> dict:
    return {"id": id_, "number": id_, "title": f"Item {id_}", "status": "Open", **fields}


def test_items_pair_by_id_whatever_their_order_or_new_titles():
    old = [entry(1), entry(2)]
    new = [entry(2), {**entry(1), "title": "Item one, reworded"}]
    changes = document_changes(revision(old), revision(new))
    assert [(c.key, [(r.state, r.label) for r in c.rows]) for c in changes] == [
        ("actions", [("changed", "AI-1 · Item one, reworded")])
    ]
    assert [(f.label, f.old, f.new) for f in changes[0].rows[0].fields] == [
        ("Action item", "Item 1", "Item one, reworded")
    ]


def test_an_item_of_no_action_items_section_is_shown_in_the_first():
    sections = [
        {"key": "summary", "title": "Summary", "kind": "markdown", "body": ""},
        {"key": "now", "title": "Now", "kind": "action_items", "body": ""},
        {"key": "later", "title": "Later", "kind": "action_items", "body": ""},
    ]
    new = [entry(1, section_key=""), entry(2, section_key="later")]
    changes = document_changes(revision([], sections), revision(new, sections))
    assert [(c.key, c.title, len(c.rows)) for c in changes] == [
        ("now", "Now", 1),
        ("later", "Later", 1),
    ]


def test_an_item_moved_to_another_section_says_where_it_was_listed():
    sections = [
        {"key": "now", "title": "Now", "kind": "action_items", "body": ""},
        {"key": "later", "title": "Later", "kind": "action_items", "body": ""},
    ]
    changes = document_changes(
        revision([entry(1, section_key="now")], sections),
        revision([entry(1, section_key="later")], sections),
    )
    assert [
        (c.key, [(f.label, f.old, f.new) for r in c.rows for f in r.fields]) for c in changes
    ] == [("later", [("Listed in", "Now", "Later")])]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (None, [entry(1)]),
        ([entry(1)], None),
        ("junk", [entry(1)]),
        ([entry(1)], [entry(1)]),
    ],
)
def test_no_item_rows_without_items_on_both_sides_or_any_difference(old, new):
    assert document_changes(revision(old), revision(new)) == []


def test_whatever_the_stored_items_no_error_and_no_json():
    new = [None, "loose text", {"title": ["a", {"b": 1}], "extra": {"k": [1, None]}}, entry(3)]
    changes = document_changes(revision([{"id": 9, "due_date": "soon"}]), revision(new))
    rows = [r for c in changes for r in c.rows]
    texts = [t for r in rows for t in (r.label, *(x for f in r.fields for x in (f.old, f.new)))]
    assert "soon" in texts and "loose text" in texts
    assert not [t for t in texts if re.search(r"[{}\[\]\"]|': ", t)], texts
