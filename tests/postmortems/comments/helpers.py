"""Comment URLs and requests, a postmortem taken to publication, a comment's markup."""

from django.urls import reverse
from django_scopes import scope

from postmortems import services
from postmortems.comments import services as services_comments
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions

HTMX = {"HX-Request": "true"}


def comments_url(postmortem, **query) -> str:
    url = reverse("postmortem_comments", kwargs={"org_slug": "acme", "number": postmortem.number})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def thread_url(name: str, comment) -> str:
    return reverse(
        f"postmortem_comment_{name}",
        kwargs={
            "org_slug": "acme",
            "number": comment.postmortem.number,
            "comment_id": comment.pk,
        },
    )


def add(postmortem, actor, body, section_key="root-cause", parent=None):
    return services_comments.comment_add(
        postmortem=postmortem, actor=actor, body=body, section_key=section_key, parent=parent
    )


def post_comment(client, postmortem, *, htmx=True, **data):
    data.setdefault("section", "root-cause")
    data.setdefault("scope", "section")
    return client.post(comments_url(postmortem), data, headers=HTMX if htmx else {})


def submitted(postmortem, author, reviewer):
    """Fill the required sections and submit to ``reviewer``, as the author would."""
    postmortem.refresh_from_db()
    with scope(organization=postmortem.organization):
        unfilled = selectors_review.unfilled_required_sections(postmortem)
        services.postmortem_save(
            postmortem=postmortem,
            actor=author,
            base_version=postmortem.version,
            sections={s.key: f"What we learned about {s.title.lower()}." for s in unfilled},
        )
    transitions.postmortem_submit(postmortem=postmortem, actor=author, reviewers=[reviewer])
    postmortem.refresh_from_db()
    return postmortem


def comment_markup(html: str, comment) -> str:
    """The HTML of one comment's body in a threads partial."""
    start = html.index(f'id="comment-{comment.pk}"')
    body = html.index('class="comment__body', start)
    return html[body : html.index("</div>", body)]
