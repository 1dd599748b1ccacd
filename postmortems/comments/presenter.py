"""The comment threads as pages show them: markdown with the mentions highlighted, open threads
first in document order, and the editor's unresolved counts. Read by the comments views, the
editor and the review screen."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from organizations.markdown import render_markdown
from postmortems.comments import services as services_comments
from postmortems.models import Comment, Postmortem, Section
from postmortems.permissions import Access
from postmortems.review import selectors as selectors_review


class _MentionMarker(HTMLParser):
    """Wraps ``@username`` of the mentioned members in ``<span class="mention">`` in sanitised
    HTML. Only text nodes outside links and code are touched; tags are copied verbatim, so the
    sanitiser's output stays exactly as it was around the added spans."""

    SKIP = {"a", "code", "pre"}

    def __init__(self, names: set[str]):
        super().__init__(convert_charrefs=False)
        self.names = names
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in self.SKIP:
            self.skipping += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        self.out.append(data if self.skipping else services_comments.MENTION.sub(self._mark, data))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def _mark(self, match: re.Match) -> str:
        name = match.group(1)
        trimmed = name.rstrip(".")
        if trimmed.lower() not in self.names:
            return match.group(0)
        # ``trimmed`` is made of [\w.+-] only: nothing to escape.
        return f'<span class="mention">@{trimmed}</span>{name[len(trimmed) :]}'


def mentions_marked(html: str, names: set[str]) -> SafeString:
    """``html`` (sanitised already) with the mentions of ``names`` (lower-case) highlighted."""
    if not names or "@" not in html:
        return mark_safe(html)  # noqa: S308 (sanitised markdown, unchanged)
    marker = _MentionMarker(names)
    marker.feed(html)
    marker.close()
    return mark_safe("".join(marker.out))  # noqa: S308 (sanitised markup plus our own spans)


def threads_of(
    postmortem: Postmortem, section_key: str | None = None, sections: list[Section] | None = None
) -> list[Comment]:
    """The threads (all, or one section's) ready for ``_threads.html``: open ones first in
    document order, then the resolved ones; each comment with ``body_html`` (markdown with the
    mentions highlighted) and each thread with its ``section_title``.

    At most four queries whatever the number of threads, replies and mentions: the sections
    (none when ``sections`` are given), the threads, their replies, and the mentions (none when
    no comment has an ``@``).
    """
    threads = selectors_review.comment_threads(postmortem, section_key)  # threads + replies
    comments = [c for thread in threads for c in (thread, *thread.replies.all())]
    mentioned: dict[int, set[str]] = {}
    naming = [c.pk for c in comments if "@" in c.body]
    if naming:
        through = Comment.mentions.through.objects.filter(comment_id__in=naming).values_list(
            "comment_id", "user__username"
        )
        for comment_id, username in through:
            mentioned.setdefault(comment_id, set()).add(username.lower())
    for comment in comments:
        comment.body_html = mentions_marked(
            render_markdown(comment.body), mentioned.get(comment.pk, set())
        )
    if sections is None:
        sections = sections_of(postmortem)
    order = {s.key: index for index, s in enumerate(sections, start=1)}
    titles = {s.key: s.title for s in sections}
    for thread in threads:
        thread.section_title = titles.get(thread.section_key, "") if thread.section_key else ""
    threads.sort(
        key=lambda t: (t.resolved_at is not None, order.get(t.section_key, 0), t.created_at, t.pk)
    )
    return threads


@dataclass
class SectionThreads:
    """One section's threads on the read view (``key`` "" for the whole document)."""

    key: str
    threads: list[Comment] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for thread in self.threads if thread.resolved_at is None)

    @property
    def resolved_count(self) -> int:
        return len(self.threads) - self.open_count


@dataclass
class Discussion:
    """A postmortem's threads grouped by section for the read view, and what the reader may do
    with them: everyone who may read the postmortem reads its threads; those who may comment
    (``Access.can_comment``) reply and start threads."""

    sections: dict[str, SectionThreads]
    document: SectionThreads
    can_comment: bool
    may_comment: bool

    @property
    def unresolved(self) -> int:
        everything = [*self.sections.values(), self.document]
        return sum(threads.open_count for threads in everything)


def discussion_of(postmortem: Postmortem, sections: list[Section], rights: Access) -> Discussion:
    """Every thread of the postmortem, read at once (two queries, three with mentions) and
    handed out to its section, each of ``sections`` getting its ``discussion``; threads of a
    section that no longer exists join the ones on the whole document, so none goes missing."""
    keys = {section.key for section in sections}
    grouped: dict[str, SectionThreads] = {}
    document = SectionThreads("")
    for thread in threads_of(postmortem, None, sections):
        if thread.section_key in keys:
            grouped.setdefault(thread.section_key, SectionThreads(thread.section_key))
            grouped[thread.section_key].threads.append(thread)
        else:
            document.threads.append(thread)
    for section in sections:
        section.discussion = grouped.get(section.key) or SectionThreads(section.key)
    return Discussion(
        sections=grouped,
        document=document,
        can_comment=rights.can_comment,
        may_comment=rights.may_comment,
    )


def sections_of(postmortem: Postmortem) -> list[Section]:
    return list(Section.objects.filter(postmortem=postmortem).only("key", "title", "position"))


def comment_counts_context(request, postmortem, counts: dict[str, int] | None = None) -> dict:
    """The editor's comment counts: per section (the section buttons) and in total (the top
    bar, which jumps to the first unresolved thread). One query, two when some are open;
    ``counts`` (``unresolved_by_section``) when the caller has them."""
    if counts is None:
        counts = selectors_review.unresolved_by_section(postmortem)
    total = sum(counts.values())
    first = (
        Comment.objects.filter(postmortem=postmortem, parent__isnull=True, resolved_at__isnull=True)
        .order_by("created_at", "id")
        .values("id", "section_key")
        .first()
        if total
        else None
    )
    return {
        "comment_counts": counts,
        "comment_total": total,
        "comment_first": first,
        "comments_url": comments_url(postmortem),
    }


def comments_url(postmortem: Postmortem) -> str:
    return reverse(
        "postmortem_comments",
        kwargs={"org_slug": postmortem.organization.slug, "number": postmortem.number},
    )
