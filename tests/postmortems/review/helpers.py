"""A postmortem filled, submitted or published, its status as a page shows it, and the review
pages' URLs, HTMX headers, text and messages."""

import re

from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scope

from postmortems import services
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions

HTMX = {"HTTP_HX_REQUEST": "true"}


def fill_required(postmortem, actor, text="What we learned about {title}."):
    postmortem.refresh_from_db()
    with scope(organization=postmortem.organization):
        unfilled = selectors_review.unfilled_required_sections(postmortem)
        return services.postmortem_save(
            postmortem=postmortem,
            actor=actor,
            base_version=postmortem.version,
            sections={s.key: text.format(title=s.title.lower()) for s in unfilled},
        )


def status_of(postmortem) -> str:
    postmortem.refresh_from_db()
    return postmortem.status


def submitted(postmortem, author, *reviewers):
    fill_required(postmortem, author)
    return transitions.postmortem_submit(
        postmortem=postmortem, actor=author, reviewers=list(reviewers)
    )


def htmx(target: str = "") -> dict:
    return {**HTMX, "HTTP_HX_TARGET": target} if target else HTMX


def url(name: str, postmortem, **kwargs) -> str:
    return reverse(
        name,
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number, **kwargs},
    )


def in_review(postmortem, author, *reviewers):
    fill_required(postmortem, author)
    postmortem.refresh_from_db()
    return transitions.postmortem_submit(
        postmortem=postmortem, actor=author, reviewers=list(reviewers)
    )


def published(postmortem, author, reviewer):
    in_review(postmortem, author, reviewer)
    return transitions.postmortem_approve(postmortem=postmortem, actor=reviewer)


def html_of(response) -> str:
    return response.content.decode()


def text_of(response) -> str:
    """The page's text without tags and with runs of blanks collapsed, as a person reads it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_of(response))).replace(" .", ".")


def flashes(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]
