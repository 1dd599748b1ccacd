"""Refused and inert comments: sanitised markdown, rights, conflicts and invalid input."""

import re

import pytest
from django.urls import reverse

from postmortems.comments import services as services_comments
from postmortems.models import Comment, PostmortemStatus
from postmortems.review import transitions
from tests.markup import Elements
from tests.postmortems.comments.helpers import (
    HTMX,
    add,
    comment_markup,
    comments_url,
    post_comment,
    submitted,
    thread_url,
)
from tests.postmortems.editor.helpers import make_incident, make_postmortem


def published(postmortem, author, reviewer):
    submitted(postmortem, author, reviewer)
    transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.PUBLISHED
    return postmortem


# --- Untrusted text ----------------------------------------------------------------------------


def test_comment_markdown_comes_out_inert(client, draft, author, reviewer):
    client.force_login(reviewer)
    evil = (
        "<script>alert(1)</script>\n\n"
        "[click](javascript:alert(2)) <javascript:alert(3)>\n\n"
        '<img src="x" onerror="alert(4)">\n\n'
        '<div hx-get="/evil" hx-trigger="load">x</div>\n\n'
        '![pic](/a.png "t" onerror=alert(5))'
    )
    post_comment(client, draft, body=evil)
    html = client.get(comments_url(draft, section="root-cause"), headers=HTMX).content.decode()
    comment = Comment.objects.get(postmortem=draft)
    body = comment_markup(html, comment)
    tags = Elements(body).tags
    assert tags, "the comment body is rendered"
    assert "script" not in {tag for tag, _ in tags}
    for tag, attrs in tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not name.startswith("hx-") and not name.startswith("data-"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
    assert "&lt;script&gt;" in body  # shown as text, not run
    # The rest of the partial carries no attribute taken from the comment either.
    everything = Elements(html).tags
    assert not [attrs for _, attrs in everything if attrs.get("hx-get") == "/evil"]
    assert not [attrs for _, attrs in everything if "onerror" in attrs]


# --- Rights and refusals -----------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False])
def test_viewers_read_the_threads_but_may_not_write(client, draft, author, viewer, htmx):
    thread = add(draft, author, "Visible to readers")
    client.force_login(viewer)
    headers = HTMX if htmx else {}
    page = client.get(comments_url(draft, section="root-cause"), headers=headers)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Visible to readers" in html
    assert 'name="body"' not in html and thread_url("resolve", thread) not in html
    assert post_comment(client, draft, htmx=htmx, body="Me too").status_code == 403
    assert post_comment(client, draft, htmx=htmx, body="").status_code == 403  # rights first
    assert client.post(thread_url("resolve", thread), headers=headers).status_code == 403
    assert Comment.objects.filter(postmortem=draft).count() == 1
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_comments_on_a_published_postmortem_are_a_conflict(client, draft, author, reviewer):
    published(draft, author, reviewer)
    client.force_login(author)
    response = post_comment(client, draft, body="Late thought")
    assert response.status_code == 409
    assert "comments are open while it is a draft or in review" in response.content.decode()
    assert not Comment.objects.filter(postmortem=draft).exists()
    plain = post_comment(client, draft, htmx=False, body="Late thought")
    assert plain.status_code == 409
    assert "is published" in plain.content.decode()


def test_resolving_on_a_published_postmortem_is_a_conflict(client, draft, author, reviewer):
    thread = add(draft, reviewer, "Resolved before publishing")
    services_comments.comment_resolve(comment=thread, actor=author)
    published(draft, author, reviewer)
    client.force_login(author)
    response = client.post(thread_url("reopen", thread), headers=HTMX)
    assert response.status_code == 409
    thread.refresh_from_db()
    assert thread.resolved_at is not None


def test_a_reply_to_another_postmortems_comment_is_refused(client, org, draft, author):
    other = make_postmortem(org, author, make_incident(org, commander=author))
    foreign_thread = add(other, author, "On the other document")
    client.force_login(author)
    response = post_comment(client, draft, body="Cross-posted", parent=foreign_thread.pk)
    assert response.status_code == 400
    assert "Reply to a comment of this postmortem." in response.content.decode()
    assert not Comment.objects.filter(postmortem=draft).exists()
    # Its resolve URL under this postmortem's number does not exist, for any method.
    wrong = reverse(
        "postmortem_comment_resolve",
        kwargs={"org_slug": "acme", "number": draft.number, "comment_id": foreign_thread.pk},
    )
    assert client.post(wrong).status_code == 404
    assert client.get(wrong).status_code == 404
    foreign_thread.refresh_from_db()
    assert foreign_thread.resolved_at is None


def test_a_reply_to_a_reply_is_refused(client, draft, author):
    thread = add(draft, author, "Thread")
    reply = add(draft, author, "Reply", parent=thread)
    client.force_login(author)
    response = post_comment(client, draft, body="Nested", parent=reply.pk)
    assert response.status_code == 400
    assert Comment.objects.filter(postmortem=draft).count() == 2


@pytest.mark.parametrize("htmx", [True, False])
def test_an_empty_comment_is_refused_with_a_field_message(client, draft, author, htmx):
    client.force_login(author)
    response = post_comment(client, draft, htmx=htmx, body="   \n ")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write a comment first." in html
    described_by = re.search(r'aria-invalid="true" aria-describedby="([^"]+)"', html).group(1)
    assert re.search(
        rf'<ul class="errorlist" id="{described_by}"><li>Write a comment first\.', html
    )
    assert not Comment.objects.exists()


def test_a_refused_comment_keeps_the_writers_text(client, draft, author):
    client.force_login(author)
    long_text = "Detailed analysis. " * 600  # over the 10,000 characters
    response = post_comment(client, draft, body=long_text)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Keep a comment under 10,000 characters" in html
    assert "Detailed analysis. Detailed analysis." in html  # still in the textarea
    response = post_comment(client, draft, body="Where does this go?", section="no-such-key")
    assert response.status_code == 400
    assert "No such section." in response.content.decode()
    assert "Where does this go?" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_refused_reply_keeps_its_text_in_its_own_thread(client, draft, author):
    thread = add(draft, author, "Thread")
    client.force_login(author)
    response = post_comment(client, draft, body="x" * 10_001, parent=thread.pk)
    assert response.status_code == 400
    html = response.content.decode()
    reply_box = html[html.index(f'id="reply-{thread.pk}"') :]
    assert reply_box[: reply_box.index("</textarea>")].endswith("x" * 50)
    assert f'id="reply-{thread.pk}-errors"' in html
