"""Guidance URLs, a section saved with given text, a blaming sample and its findings."""

import re

from django.urls import reverse
from django_scopes import scope

from postmortems import services
from postmortems.language import rules as language

HTMX = {"HTTP_HX_REQUEST": "true"}


BLAMING = "Bob broke the deploy on Friday. The on-call engineer should have known better."


def url(name: str, postmortem, org_slug: str | None = None) -> str:
    return reverse(
        name,
        kwargs={
            "org_slug": org_slug or postmortem.organization.slug,
            "number": postmortem.number,
        },
    )


def save_body(postmortem, actor, key: str, body: str):
    postmortem.refresh_from_db()
    with scope(organization=postmortem.organization):
        return services.postmortem_save(
            postmortem=postmortem,
            actor=actor,
            base_version=postmortem.version,
            sections={key: body},
        )


def finding_keys(text: str) -> list[str]:
    return [f.dismissal_key for f in language.check(text)]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
