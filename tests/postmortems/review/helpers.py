"""A postmortem filled, submitted or published, its status as a page shows it, and the review
pages' URLs, HTMX headers, text and messages; for the review API tests a Lightweight draft, a
token client sending JSON, the endpoints' URLs and the notifications sent."""

import re

from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scope
from rest_framework.test import APIClient

from organizations.models import Notification
from postmortems import creation, services
from postmortems.models import Postmortem, Template
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.helpers import api_client as token_client

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


REVIEW_FIELDS = {"reviewer", "round", "decision", "comment", "decided_at"}


def api_url(number: int, action: str = "") -> str:
    return f"/api/v1/postmortems/{number}" + (f"/{action}" if action else "")


def new_draft(org, author, *, filled: bool = True) -> Postmortem:
    """A Lightweight draft (four required sections), written when ``filled``."""
    services.templates_install_builtins(organization=org)
    template = Template.objects.get(organization=org, builtin_key="lightweight")
    postmortem = creation.postmortem_create(
        organization=org, actor=author, template=template, title="Checkout errors"
    )
    if filled:
        postmortem = services.postmortem_save(
            postmortem=postmortem,
            actor=author,
            base_version=postmortem.version,
            sections={
                "summary": "Checkouts failed for 40 minutes.",
                "timeline": "14:02 deploy; 14:05 alert; 14:40 rollback.",
                "what-happened-and-why": "A migration locked the orders table.",
                "action-items": "Add a lint rule for locking migrations.",
            },
        )
    return Postmortem.objects.get(pk=postmortem.pk)


def api_client(org, user) -> APIClient:
    """A client holding a fresh token of ``user``, sending JSON bodies (none when not given)."""
    client = token_client(org, user)
    client.default_format = "json"
    return client


def member(org, role, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, organization=org, role=role)
    return user


def fresh(postmortem: Postmortem) -> Postmortem:
    return Postmortem.objects.get(pk=postmortem.pk)


def notifications(kind: str, recipient=None) -> list[Notification]:
    rows = Notification.objects.filter(kind=kind)
    if recipient is not None:
        rows = rows.filter(recipient=recipient)
    return list(rows)
