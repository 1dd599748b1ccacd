"""Postmortems written for the search tests, the search page's results and the titles found."""

import re
from datetime import UTC, datetime

from django.urls import reverse
from django_scopes import scope

from postmortems import creation, services
from postmortems.models import Postmortem, PostmortemStatus, Visibility
from postmortems.search import services as search
from tests.postmortems.read.helpers import comprehensive

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def search_url(org) -> str:
    return reverse("postmortem_search", kwargs={"org_slug": org.slug})


def page(client, org, *, marks: bool = False, **params) -> str:
    """The search page's HTML; without ``marks``, highlights are taken out so titles read whole."""
    response = client.get(search_url(org), params)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return html if marks else re.sub(r"</?mark>", "", html)


def write(
    org,
    author,
    title: str,
    *,
    summary: str = "",
    root_cause: str = "",
    other: str = "",
    status: str = PostmortemStatus.PUBLISHED,
    visibility: str = Visibility.ORGANIZATION,
    incident=None,
    published_at: datetime | None = None,
    **fields,
) -> Postmortem:
    """A Comprehensive postmortem through the services (so the index is maintained), then put
    in ``status`` as a test shortcut (the status does not change the text)."""
    with scope(organization=org):
        postmortem = creation.postmortem_create(
            organization=org,
            actor=author,
            template=comprehensive(org),
            incident=incident,
            title=title,
        )
        bodies = {
            "executive-summary": summary,
            "root-cause": root_cause,
            "went-well": other,
            # The generated facts would otherwise be searchable words in every document.
            **dict.fromkeys(BLANKED, ""),
        }
        postmortem = services.postmortem_save(
            postmortem=postmortem, actor=author, base_version=postmortem.version, sections=bodies
        )
        Postmortem.objects.filter(pk=postmortem.pk).update(
            status=status,
            visibility=visibility,
            published_at=(published_at or T0) if status == PostmortemStatus.PUBLISHED else None,
            **fields,
        )
    postmortem.refresh_from_db()
    return postmortem


BLANKED = ["impact-assessment", "participants", "metrics"]  # the sections with generated facts


def hit_titles(org, member, query: str, **filters) -> list[str]:
    with scope(organization=org):
        results = search.search_postmortems(
            organization=org,
            membership=member.memberships.get(organization=org),
            query=query,
            filters=search.SearchFilters(**filters),
        )
    return [search_title(hit) for hit in results.hits]


def search_title(hit) -> str:
    return hit.postmortem.title
