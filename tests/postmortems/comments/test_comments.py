"""Comment threads: adding, replying, resolving, mentions, reading, counts and publishing."""

import re

import pytest
from django.urls import reverse

from organizations.models import Notification, NotificationKind
from organizations.roles import Role
from postmortems.comments import services as services_comments
from postmortems.models import Comment, PostmortemStatus, Visibility
from postmortems.review import transitions
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.postmortems.comments.helpers import (
    HTMX,
    add,
    comment_markup,
    comments_url,
    post_comment,
    submitted,
    thread_url,
)

# --- Fixtures and helpers ----------------------------------------------------------------------


def edit_url(postmortem) -> str:
    return reverse("postmortem_edit", kwargs={"org_slug": "acme", "number": postmortem.number})


def notified(kind) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


# --- Adding, replying, resolving, reopening through the endpoints ------------------------------


def test_a_comment_added_in_a_section_panel_comes_back_in_the_refreshed_panel(
    client, draft, reviewer
):
    client.force_login(reviewer)
    response = post_comment(client, draft, body="Was the **rollback** automatic?")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "comments-changed"  # for counts elsewhere on the page
    comment = Comment.objects.get(postmortem=draft)
    assert (comment.section_key, comment.author, comment.parent) == ("root-cause", reviewer, None)
    html = response.content.decode()
    assert f'id="comment-{comment.pk}"' in html
    assert "<strong>rollback</strong>" in html  # markdown rendered
    assert "Rita Reed" in html
    assert "Comments on Root cause" in html
    # The editor's counts come along out of band: the section's button and the top bar.
    assert re.search(r'id="comment-count-root-cause" hx-swap-oob="true">1<', html)
    bar = html[html.index('id="comment-bar-count"') :]
    assert 'hx-swap-oob="true"' in bar[:700] and "1</span> unresolved" in bar


def test_without_javascript_a_comment_redirects_to_its_anchor_in_the_editor(client, draft, author):
    client.force_login(author)
    response = post_comment(client, draft, htmx=False, body="Note to self")
    comment = Comment.objects.get(postmortem=draft)
    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(draft)}#comment-{comment.pk}"


def test_without_javascript_the_comments_page_posts_back_to_itself(client, draft, author):
    client.force_login(author)
    page = client.get(comments_url(draft))
    assert page.status_code == 200
    html = page.content.decode()
    assert "No comments yet" in html
    assert 'name="return_to" value="comments"' in html
    assert '<option value="root-cause">Root cause' in html  # the section picker
    response = post_comment(
        client, draft, htmx=False, body="On the page", scope="all", return_to="comments"
    )
    comment = Comment.objects.get(postmortem=draft)
    assert response["Location"] == f"{comments_url(draft)}#comment-{comment.pk}"
    assert "On the page" in client.get(response["Location"]).content.decode()


def test_a_reply_joins_the_thread_and_tells_the_threads_author(client, draft, author, reviewer):
    thread = add(draft, reviewer, "Which alert fired first?")
    client.force_login(author)
    response = post_comment(client, draft, body="PagerDuty, at 14:02.", parent=thread.pk)
    assert response.status_code == 200
    reply = Comment.objects.get(parent=thread)
    assert reply.section_key == "root-cause"  # a reply lives in its thread's section
    html = response.content.decode()
    assert f'class="thread__item thread__item--reply" id="comment-{reply.pk}"' in html
    assert html.index("Which alert fired first?") < html.index("PagerDuty, at 14:02.")
    assert "rita" in notified(NotificationKind.COMMENTED)


def test_resolving_and_reopening_a_thread(client, draft, author, reviewer):
    thread = add(draft, reviewer, "Add the error rate graph here?")
    reply = add(draft, author, "Added.", parent=thread)
    client.force_login(author)

    response = client.post(thread_url("resolve", reply), {"scope": "section"}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "comments-changed"
    thread.refresh_from_db()
    assert thread.resolved_at is not None and thread.resolved_by == author  # the whole thread
    html = response.content.decode()
    assert "Resolved by <strong>Ann Author</strong>" in html
    assert '<details class="thread__fold">' in html  # collapsed
    assert thread_url("reopen", thread) in html
    assert re.search(r'id="comment-count-root-cause" hx-swap-oob="true"><', html)  # none open

    response = client.post(thread_url("reopen", thread), {"scope": "section"}, headers=HTMX)
    assert response.status_code == 200
    thread.refresh_from_db()
    assert thread.resolved_at is None and thread.resolved_by is None
    assert thread_url("resolve", thread) in response.content.decode()


def test_without_javascript_resolving_redirects_to_the_thread(client, draft, author, reviewer):
    thread = add(draft, reviewer, "Question")
    client.force_login(author)
    response = client.post(thread_url("resolve", thread))
    assert response.status_code == 302
    assert response["Location"] == f"{edit_url(draft)}#comment-{thread.pk}"
    response = client.post(thread_url("reopen", thread), {"return_to": "comments"})
    assert response["Location"] == f"{comments_url(draft)}#comment-{thread.pk}"


def test_resolve_and_reopen_answer_only_post(client, draft, author):
    thread = add(draft, author, "Question")
    client.force_login(author)
    assert client.get(thread_url("resolve", thread)).status_code == 405
    assert client.get(thread_url("reopen", thread)).status_code == 405


# --- Mentions and notifications ----------------------------------------------------------------


def test_mentions_notify_members_only_and_are_highlighted(
    client, org, draft, author, reviewer, member_factory
):
    outsider = UserFactory(username="olga")
    MembershipFactory(user=outsider, organization=OrganizationFactory(slug="elsewhere"))
    client.force_login(reviewer)
    response = post_comment(
        client,
        draft,
        body="@ann please check with @olga and @nobody. Not `@ann` in code.",
    )
    assert response.status_code == 200
    assert notified(NotificationKind.MENTIONED) == ["ann"]
    comment = Comment.objects.get(postmortem=draft)
    assert list(comment.mentions.values_list("username", flat=True)) == ["ann"]
    body = comment_markup(response.content.decode(), comment)
    assert '<span class="mention">@ann</span> please check' in body
    assert "with @olga and @nobody." in body  # not members here: plain text
    assert "<code>@ann</code>" in body  # code stays code


def test_the_author_hears_of_a_comment_but_not_of_their_own(client, draft, author, reviewer):
    client.force_login(reviewer)
    post_comment(client, draft, body="Looks good so far.")
    assert notified(NotificationKind.COMMENTED) == ["ann"]
    client.force_login(author)
    post_comment(client, draft, body="Thanks!")
    assert notified(NotificationKind.COMMENTED) == ["ann"]  # no second one, to herself


def notice_url(recipient, kind) -> str:
    return Notification.objects.get(recipient=recipient, kind=kind).url


def test_a_notification_links_to_the_thread_on_the_read_view(
    client, draft, author, reviewer, member_factory
):
    colleague = member_factory(username="cory")
    thread = add(draft, reviewer, "Was the rollback automatic? @cory")
    read_view = reverse("postmortem_detail", kwargs={"org_slug": "acme", "number": draft.number})
    assert notice_url(author, NotificationKind.COMMENTED) == f"{read_view}#comment-{thread.pk}"
    assert notice_url(colleague, NotificationKind.MENTIONED) == f"{read_view}#comment-{thread.pk}"
    Notification.objects.all().delete()
    add(draft, author, "Yes, within two minutes.", parent=thread)
    assert notice_url(reviewer, NotificationKind.COMMENTED) == f"{read_view}#comment-{thread.pk}"
    client.force_login(reviewer)
    page = client.get(notice_url(reviewer, NotificationKind.COMMENTED).split("#")[0])
    assert page.status_code == 200
    assert f'id="comment-{thread.pk}"' in page.content.decode()  # the anchor is there


def test_someone_who_may_not_read_the_postmortem_is_not_sent_to_its_read_view(
    draft, author, member_factory
):
    draft.visibility = Visibility.PRIVATE
    draft.save(update_fields=["visibility"])
    colleague = member_factory(username="cory")
    admin = member_factory(username="ada", role=Role.ADMIN)  # admins read every postmortem
    comment = add(draft, author, "@cory @ada have a look")
    assert notice_url(colleague, NotificationKind.MENTIONED) == (
        f"{comments_url(draft)}?comment={comment.pk}"
    )
    assert notice_url(admin, NotificationKind.MENTIONED).endswith(f"/#comment-{comment.pk}")


# --- Reading: sections, jumps, the page --------------------------------------------------------


def test_a_section_panel_shows_only_its_threads_and_an_empty_state(client, draft, author):
    add(draft, author, "About the root cause")
    add(draft, author, "About the timeline", section_key="timeline")
    client.force_login(author)
    html = client.get(comments_url(draft, section="timeline"), headers=HTMX).content.decode()
    assert "About the timeline" in html and "About the root cause" not in html
    empty = client.get(comments_url(draft, section="impact-assessment"), headers=HTMX)
    assert "No comments on this section yet" in empty.content.decode()
    assert client.get(comments_url(draft, section="nope"), headers=HTMX).status_code == 404


def test_open_threads_come_first_and_resolved_ones_show_who_resolved_them(
    client, draft, author, reviewer
):
    old = add(draft, reviewer, "Old question")
    add(draft, reviewer, "New question")
    services_comments.comment_resolve(comment=old, actor=author)
    client.force_login(author)
    html = client.get(comments_url(draft, section="root-cause"), headers=HTMX).content.decode()
    assert html.index("New question") < html.index("Old question")
    assert "1 open · 1 resolved" in html
    assert "Resolved by <strong>Ann Author</strong>" in html


def test_a_comment_link_opens_its_sections_panel(client, draft, author):
    thread = add(draft, author, "Timeline question", section_key="timeline")
    reply = add(draft, author, "Answer", parent=thread)
    general = add(draft, author, "On the whole document", section_key="")
    client.force_login(author)
    response = client.get(comments_url(draft, comment=reply.pk), headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#comments-timeline"
    assert "Timeline question" in response.content.decode()
    response = client.get(comments_url(draft, comment=general.pk), headers=HTMX)
    assert response["HX-Redirect"] == f"{comments_url(draft)}#comment-{general.pk}"
    assert client.get(comments_url(draft, comment=999999), headers=HTMX).status_code == 404


def test_the_review_screens_threads_partial_lists_every_thread(client, draft, author, reviewer):
    add(draft, reviewer, "On the root cause")
    add(draft, reviewer, "On the document", section_key="")
    client.force_login(author)
    response = client.get(comments_url(draft), headers=HTMX)
    html = response.content.decode()
    assert "On the root cause" in html and "On the document" in html
    assert "Whole document" in html and "Root cause" in html
    assert 'name="scope" value="all"' in html
    assert "hx-swap-oob" not in html  # no editor to update


# --- The editor's counts -----------------------------------------------------------------------


def test_the_editor_shows_unresolved_counts_per_section_and_in_total(
    client, draft, author, reviewer
):
    first = add(draft, reviewer, "One", section_key="timeline")
    add(draft, reviewer, "Two", section_key="timeline")
    add(draft, reviewer, "Three")
    resolved = add(draft, reviewer, "Done")
    services_comments.comment_resolve(comment=resolved, actor=author)
    add(draft, author, "A reply is not a thread", parent=first)
    client.force_login(author)
    html = client.get(edit_url(draft)).content.decode()
    assert re.search(r'id="comment-count-timeline">2</span>', html)
    assert re.search(r'id="comment-count-root-cause">1</span>', html)
    assert re.search(r'id="comment-count-impact-assessment"></span>', html)
    bar = html[html.index('id="comment-bar-count"') :]
    bar = bar[: bar.index("</a>")]
    assert "3</span> unresolved" in bar
    assert f'data-comment-jump="{first.pk}"' in bar  # the first unresolved thread
    assert f'href="{comments_url(draft)}#comment-{first.pk}"' in bar
    assert f'href="{comments_url(draft)}?section=timeline"' in html  # works without JS


def test_the_editors_comment_counts_cost_at_most_two_queries(
    client, draft, author, reviewer, count_queries
):
    client.force_login(author)
    client.get(edit_url(draft))  # warm caches
    without = count_queries(lambda: client.get(edit_url(draft)))
    for n in range(12):
        thread = add(
            draft, reviewer, f"Question {n}", section_key=["timeline", "root-cause"][n % 2]
        )
        add(draft, author, "Answer", parent=thread)
    with_comments = count_queries(lambda: client.get(edit_url(draft)))
    assert (without, with_comments) == (18, 19)  # the first open thread, to jump to


def test_the_threads_partial_runs_a_bounded_number_of_queries(
    client, org, draft, author, reviewer, member_factory, count_queries
):
    people = [member_factory(Role.ENGINEER, username=f"eng{n}") for n in range(4)]
    client.force_login(author)
    add(draft, reviewer, "Only one, for @ann")
    url = comments_url(draft, section="root-cause")
    client.get(url, headers=HTMX)  # warm caches
    small = count_queries(lambda: client.get(url, headers=HTMX))
    for n in range(15):
        thread = add(draft, reviewer, f"Question {n} for @eng{n % 4} and @ann")
        for person in people[:3]:
            add(draft, person, f"Reply from @{person.username} cc @rita", parent=thread)
        if n % 3 == 0:
            services_comments.comment_resolve(comment=thread, actor=author)
    large = count_queries(lambda: client.get(url, headers=HTMX))
    assert large == small
    assert large <= 16
    all_url = comments_url(draft)
    assert count_queries(lambda: client.get(all_url)) <= 18  # the page, every thread


def test_posting_a_comment_runs_a_bounded_number_of_queries(
    client, draft, author, reviewer, count_queries
):
    client.force_login(reviewer)
    post_comment(client, draft, body="warm up")
    few = count_queries(lambda: post_comment(client, draft, body="@ann one more"))
    for n in range(10):
        add(draft, author, f"Thread {n}")
    many = count_queries(lambda: post_comment(client, draft, body="@ann and another"))
    assert many == few


# --- Publishing waits for the threads ----------------------------------------------------------


def test_an_unresolved_thread_blocks_the_publishing_approval_until_resolved(
    client, draft, author, reviewer
):
    submitted(draft, author, reviewer)
    client.force_login(reviewer)
    post_comment(client, draft, body="Is the root cause really the config push?")
    thread = Comment.objects.get(postmortem=draft)
    with pytest.raises(transitions.TransitionError, match="1 comment thread is still unresolved"):
        transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.IN_REVIEW

    client.force_login(author)
    assert client.post(thread_url("resolve", thread), headers=HTMX).status_code == 200
    transitions.postmortem_approve(postmortem=draft, actor=reviewer)
    draft.refresh_from_db()
    assert draft.status == PostmortemStatus.PUBLISHED
