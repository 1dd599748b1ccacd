"""Comment threads on the read view: who reads them and who replies, replies that come back in
place (or to the thread without JavaScript), refusals, the tenant boundary, the public page and
a bounded number of queries whatever the number of threads."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from organizations.roles import Role
from postmortems.models import Comment, PostmortemStatus, Section
from postmortems.review import transitions
from postmortems.sharing import services as sharing
from tests.factories import MembershipFactory, UserFactory
from tests.markup import Elements
from tests.postmortems.comments.helpers import HTMX, add, comments_url, submitted
from tests.postmortems.editor.helpers import make_incident, make_postmortem

# --- Helpers -----------------------------------------------------------------------------------


def read_url(postmortem) -> str:
    return reverse(
        "postmortem_detail",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )


def read(client, postmortem) -> str:
    response = client.get(read_url(postmortem))
    assert response.status_code == 200
    return response.content.decode()


def discussion(html: str, key: str) -> str:
    """The markup of one section's discussion block on the read view."""
    start = html.index(f'id="discussion-{key}"')
    start = html.rindex("<div", 0, start)
    end = html.index("</section>", start)
    return html[start:end]


def reply(client, thread, body: str, *, htmx: bool = True, **extra):
    data = {
        "body": body,
        "parent": thread.pk,
        "section": thread.section_key,
        "scope": "section",
        "return_to": "read",
        **extra,
    }
    return client.post(comments_url(thread.postmortem), data, headers=HTMX if htmx else {})


def new_thread(client, postmortem, section: str, body: str, *, htmx: bool = True):
    data = {"body": body, "section": section, "scope": "section", "return_to": "read"}
    return client.post(comments_url(postmortem), data, headers=HTMX if htmx else {})


def in_status(status: str, draft, author, reviewer):
    """``draft`` taken to ``status``, with one thread on "root-cause" (resolved once published,
    since an open thread would block publishing)."""
    thread = add(draft, reviewer, "Was the rollback automatic?")
    if status == "draft":
        return draft, thread
    submitted(draft, author, reviewer)
    if status == "in_review":
        return draft, thread
    Comment.objects.filter(pk=thread.pk).update(resolved_at=timezone.now(), resolved_by=author)
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.PUBLISHED
    return draft, thread


# --- Who sees the threads and who replies ------------------------------------------------------

ROLES = ["viewer", "engineer", "author", "reviewer", "admin"]
STATUSES = ["draft", "in_review", "published"]
COMMENTERS = {"engineer", "author", "reviewer", "admin"}  # may comment while the document is open


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
def test_who_reads_and_who_replies_by_role_and_status(
    client, draft, author, reviewer, viewer, engineer, admin_user, role, status
):
    postmortem, thread = in_status(status, draft, author, reviewer)
    people = {
        "viewer": viewer,
        "engineer": engineer,
        "author": author,
        "reviewer": reviewer,
        "admin": admin_user,
    }
    client.force_login(people[role])
    html = read(client, postmortem)
    block = discussion(html, "root-cause")
    assert "Was the rollback automatic?" in block  # every reader sees the threads
    assert f'id="comment-{thread.pk}"' in block
    may_reply = role in COMMENTERS and status != "published"
    assert (f'name="parent" value="{thread.pk}"' in block) is may_reply
    assert ("New thread on this section" in block) is may_reply
    # Sections without threads offer a new thread to commenters only, and show nothing else.
    assert ('id="discussion-executive-summary"' in html) is may_reply
    closed = "Comments are closed: PM-" in block
    assert closed is (role in COMMENTERS and status == "published")


def test_a_reply_posted_from_the_read_view_comes_back_in_place(client, draft, author, reviewer):
    thread = add(draft, reviewer, "Which alert fired first?")
    client.force_login(author)
    response = reply(client, thread, "PagerDuty, at **14:02**.")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "comments-changed"
    answer = Comment.objects.get(parent=thread)
    assert (answer.author, answer.section_key) == (author, "root-cause")
    html = response.content.decode()
    # The section's discussion block, not the editor's panel or the comments page.
    assert 'id="discussion-root-cause"' in html and "data-discussion" in html
    assert "<html" not in html and "hx-swap-oob" not in html
    assert f'id="comment-{answer.pk}"' in html
    assert "<strong>14:02</strong>" in html
    assert html.index("Which alert fired first?") < html.index("PagerDuty, at")
    assert re.search(r'role="status">Reply added\.<', html)
    # The forms in the answer keep posting back to the read view.
    assert html.count('name="return_to" value="read"') >= 2
    assert "PagerDuty, at" in discussion(read(client, draft), "root-cause")


def test_a_new_thread_on_a_section_from_the_read_view(client, draft, author):
    client.force_login(author)
    response = new_thread(client, draft, "timeline", "Add the deploy at 13:50?")
    assert response.status_code == 200
    comment = Comment.objects.get(postmortem=draft)
    assert (comment.section_key, comment.parent) == ("timeline", None)
    html = response.content.decode()
    assert 'id="discussion-timeline"' in html and "Discussion of Timeline" in html
    assert "Add the deploy at 13:50?" in discussion(read(client, draft), "timeline")


def test_a_thread_on_the_whole_document_is_read_at_the_end(client, draft, author, viewer):
    add(draft, author, "Overall: good write-up.", section_key="")
    client.force_login(viewer)
    html = read(client, draft)
    block = discussion(html, "document")
    assert "Discussion of the whole document" in block
    assert "Overall: good write-up." in block
    assert html.index("Overall: good write-up.") > html.index('id="section-root-cause"')


def test_without_javascript_a_reply_goes_back_to_its_place_on_the_read_view(
    client, draft, author, reviewer
):
    thread = add(draft, reviewer, "Which alert fired first?")
    client.force_login(author)
    response = reply(client, thread, "PagerDuty.", htmx=False)
    answer = Comment.objects.get(parent=thread)
    assert response.status_code == 302
    assert response["Location"] == f"{read_url(draft)}#comment-{answer.pk}"
    page = client.get(response["Location"])
    assert "PagerDuty." in page.content.decode()
    assert "Reply added." in page.content.decode()  # the flash message


def test_resolving_from_the_read_view_folds_the_thread_in_place(client, draft, author, reviewer):
    thread = add(draft, reviewer, "Add the graph?")
    client.force_login(author)
    url = reverse(
        "postmortem_comment_resolve",
        kwargs={"org_slug": "acme", "number": draft.number, "comment_id": thread.pk},
    )
    response = client.post(url, {"scope": "section", "return_to": "read"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="discussion-root-cause"' in html
    assert '<details class="thread__fold">' in html
    assert re.search(r'class="discussion__tally">1 resolved<', html)


# --- Refusals and the tenant boundary ----------------------------------------------------------


def test_an_empty_reply_is_refused_naming_the_box_and_keeping_the_thread(
    client, draft, author, reviewer
):
    thread = add(draft, reviewer, "Which alert fired first?")
    client.force_login(author)
    response = reply(client, thread, "   ")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="discussion-root-cause"' in html
    box = re.search(rf'<textarea id="reply-{thread.pk}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in box
    errors = re.search(rf'<ul class="errorlist" id="reply-{thread.pk}-errors">(.*?)</ul>', html)
    assert "Write a comment first." in errors.group(1)
    assert not Comment.objects.filter(parent=thread).exists()


def test_a_new_thread_on_an_unknown_section_is_refused_naming_the_section(client, draft, author):
    client.force_login(author)
    response = new_thread(client, draft, "no-such-section", "Hello")
    assert response.status_code == 400
    html = response.content.decode()
    assert "No such section." in html
    assert '<details class="discussion__new" open>' in html  # the form stays open, text kept
    assert ">Hello</textarea>" in html
    assert not Comment.objects.exists()


def test_a_reply_to_another_postmortems_thread_is_refused(client, draft, author, reviewer, org):
    other = make_postmortem(org, author, make_incident(org, commander=author))
    foreign = add(other, reviewer, "Elsewhere")
    client.force_login(author)
    data = {"body": "Hi", "parent": foreign.pk, "section": "root-cause", "scope": "section"}
    data["return_to"] = "read"
    response = client.post(comments_url(draft), data, headers=HTMX)
    assert response.status_code == 400
    assert "Reply to a comment of this postmortem." in response.content.decode()
    assert not Comment.objects.filter(parent=foreign).exists()


def test_a_viewers_reply_is_refused(client, draft, author, viewer):
    thread = add(draft, author, "Visible to readers")
    client.force_login(viewer)
    response = reply(client, thread, "Me too")
    assert response.status_code == 403
    assert "Your role does not allow commenting" in response.content.decode()
    assert not Comment.objects.filter(parent=thread).exists()


def test_another_organizations_postmortem_is_a_404(client, draft, author, other_org):
    thread = add(draft, author, "Internal")
    stranger = UserFactory(username="stranger")
    MembershipFactory(user=stranger, organization=other_org, role=Role.ADMIN)
    client.force_login(stranger)
    foreign = {"org_slug": "globex", "number": draft.number}
    assert client.get(reverse("postmortem_detail", kwargs=foreign)).status_code == 404
    url = reverse("postmortem_comments", kwargs=foreign)
    data = {"body": "Hi", "parent": thread.pk, "section": "root-cause", "return_to": "read"}
    assert client.post(url, data, headers=HTMX).status_code == 404
    assert client.get(read_url(draft)).status_code == 404  # not a member of acme at all
    assert not Comment.objects.filter(parent=thread).exists()


# --- Outsiders and hostile text ----------------------------------------------------------------


def test_the_public_share_page_shows_no_comments(client, draft, author, reviewer):
    postmortem, _ = in_status("published", draft, author, reviewer)
    add_note = "Internal: blame the intern"
    Comment.objects.create(
        organization=postmortem.organization,
        postmortem=postmortem,
        section_key="root-cause",
        author=author,
        body=add_note,
        resolved_at=timezone.now(),
    )
    with scope(organization=postmortem.organization):
        sharing.public_content_update(
            postmortem=postmortem,
            actor=author,
            summary="What happened.",
            section_keys=["root-cause"],
        )
        _, token = sharing.share_link_create(postmortem=postmortem, actor=author)
    client.logout()
    page = client.get(reverse("share_public", kwargs={"token": token}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "What happened." in html
    assert add_note not in html and "Was the rollback automatic?" not in html
    assert "data-comments" not in html and "Discussion of" not in html


def test_comment_text_on_the_read_view_is_inert(client, draft, author, reviewer):
    add(draft, reviewer, '<script>alert(1)</script> <img src=x onerror="alert(2)">')
    client.force_login(author)
    block = discussion(read(client, draft), "root-cause")
    assert "&lt;script&gt;" in block
    for tag, attrs in Elements(block).tags:
        assert tag != "script"
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)


# --- Bounded queries ---------------------------------------------------------------------------


def test_the_read_view_reads_every_thread_in_a_bounded_number_of_queries(
    client, draft, author, reviewer, count_queries
):
    client.force_login(author)
    add(draft, reviewer, "One thread")
    client.get(read_url(draft))  # warm the caches
    small = count_queries(lambda: client.get(read_url(draft)))
    keys = list(Section.objects.filter(postmortem=draft).values_list("key", flat=True))
    for n, key in enumerate(keys * 2):
        thread = add(draft, reviewer, f"Thread {n} for @ann", section_key=key)
        add(draft, author, f"Reply {n}", parent=thread)
        add(draft, reviewer, f"Reply again {n}", parent=thread)
    add(draft, author, "On the whole document", section_key="")
    html = read(client, draft)
    assert html.count('class="thread"') + html.count('class="thread thread--resolved"') > 2 * len(
        keys
    )
    large = count_queries(lambda: client.get(read_url(draft)))
    assert (small, large) == (22, 23)  # the mentions, read once for every thread
