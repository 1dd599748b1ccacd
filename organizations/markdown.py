"""Markdown for untrusted text: Python-Markdown without raw HTML, then sanitised by nh3.

Raw HTML in the source is escaped (shown as text), never passed through. The sanitiser is the
real boundary: whatever the markdown produces, only the tags and attributes below survive, links
keep only http, https and mailto (or relative) targets, images only same-origin paths (the
metric charts), and every link gets
``rel="noopener noreferrer nofollow"``. No ``class``, ``style``, event-handler or ``hx-*``
attribute survives, so user text can neither run script nor drive htmx nor borrow the app's
styles.
"""

import functools
import re
import threading

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "ins",
    "sup",
    "sub",
    "abbr",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "div",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "sup": {"id"},
    "li": {"id"},
    "img": {"src", "alt", "title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
# Footnotes link to "#fn:1" / "#fnref:1"; no other id may reach the page (ids could clobber
# the ones htmx targets).
FOOTNOTE_ID = re.compile(r"^fn(ref)?:[\w-]+$")


class _EscapeRawHtml(Extension):
    """Treat raw HTML, block or inline, as text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not FOOTNOTE_ID.match(value):
        return None
    if tag == "img" and attribute == "src" and not _same_origin_path(value):
        return None
    return value


def _same_origin_path(url: str) -> bool:
    """Images only from our own pages (e.g. metric charts): a path, never another host."""
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


_parsers = threading.local()


def _parser() -> markdown.Markdown:
    """One parser per thread: building one loads every extension (slow); sharing one across
    threads is unsafe."""
    parser = getattr(_parsers, "markdown", None)
    if parser is None:
        parser = markdown.Markdown(
            extensions=["extra", _EscapeRawHtml(), "sane_lists"],
            extension_configs={"extra": {"tables": {"use_align_attribute": True}}},
            output_format="html",
        )
        _parsers.markdown = parser
    return parser


def _to_html(text: str) -> str:
    parser = _parser()
    try:
        return parser.convert(text)
    finally:
        parser.reset()  # footnotes, abbreviations … must not leak into the next document


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


@functools.lru_cache(maxsize=4096)
def render_markdown(text: str) -> SafeString:
    """Markdown source to HTML that is safe to put in a page (or a PDF) as is.

    Memoised: the output depends on the text alone, and a long timeline renders the same
    entries on every view.
    """
    if not text or not text.strip():
        return mark_safe("")  # noqa: S308 (empty)
    return mark_safe(sanitize_html(_to_html(text)))  # noqa: S308 (sanitised by nh3 just above)
