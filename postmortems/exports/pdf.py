"""PDF rendering with WeasyPrint, fetching nothing but our own static files and ``data:`` URIs.

Whatever a postmortem's content says (``file:///etc/passwd``, ``http://127.0.0.1:…``, an
internal host, a redirect, a CSS ``@import``, an SVG ``<image href>``), WeasyPrint asks
:class:`SafeURLFetcher` for it, for the document and for every stylesheet, font and image. The
fetcher never opens a socket or a ``file:`` URL: it serves ``data:`` URIs itself and maps the
paths of our static files (``<origin>/static/...``) to the files on disk through the staticfiles
finders, refusing ``..``. Everything else raises, and WeasyPrint renders without it.

:func:`render_pdf` is the one entry point (the page export, the bulk export, public sharing).
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

#: The base URL documents are rendered against when the caller names none: relative and
#: root-relative URLs (``/static/css/print.css``) resolve to it, and nothing resolves outside.
INTERNAL_BASE_URL = "https://hindsight.internal/"

#: Bigger documents are refused before WeasyPrint sees them (``PdfTooLarge``).
MAX_HTML_BYTES = 4 * 1024 * 1024
#: A ``data:`` URI larger than this is refused (the image is left out).
MAX_DATA_URI_BYTES = 5 * 1024 * 1024
#: Seconds a render may take before its process is stopped.
RENDER_TIME_LIMIT = 60

STATIC_SUFFIXES = {
    ".css",
    ".svg",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
}


class PdfError(Exception):
    """The PDF could not be made; the message is fit for a person."""


class PdfTooLarge(PdfError):
    """The document is over the size the renderer accepts."""


class PdfTimeout(PdfError):
    """Rendering took longer than its time limit."""


class RefusedURL(ValueError):
    """A URL the PDF renderer may not fetch."""


# --- The fetcher -------------------------------------------------------------------------------


class SafeURLFetcher(URLFetcher):
    """Serves ``data:`` URIs and our static files from disk; refuses every other URL.

    ``origin`` is the scheme and host the document's root-relative URLs resolve to (from the
    ``base_url`` it is rendered with): only ``<origin>/static/...`` maps to a file, and only by
    path. No socket is ever opened, so there is nothing to redirect.
    """

    def __init__(self, base_url: str | None = None) -> None:
        super().__init__(allowed_protocols=("data", "http", "https"), allow_redirects=False)
        parts = urlsplit(base_url or INTERNAL_BASE_URL)
        self.origin = (parts.scheme.lower(), parts.netloc.lower())

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:  # noqa: ARG002
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            mime, body = decode_data_uri(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})
        path = self.static_file(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def static_file(self, url: str) -> Path:
        """The file on disk a static URL of our own origin names, or ``RefusedURL``."""
        parts = urlsplit(url)
        if (parts.scheme.lower(), parts.netloc.lower()) != self.origin:
            raise RefusedURL(f"Not fetched (only our static files and data: URIs): {url[:200]}")
        return static_path(parts.path)


def static_path(url_path: str) -> Path:
    """Map ``/static/<name>`` to the static file (source or collected), refusing traversal."""
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if not url_path.startswith(prefix):
        raise RefusedURL(f"Not a static file: {url_path[:200]}")
    name = unquote(url_path[len(prefix) :])
    pieces = name.split("/")
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or any(piece in ("", ".", "..") for piece in pieces)
    ):
        raise RefusedURL(f"Refused static path: {url_path[:200]}")
    if Path(name).suffix.lower() not in STATIC_SUFFIXES:
        raise RefusedURL(f"Not a stylesheet, font or image: {url_path[:200]}")
    found = finders.find(name)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / name).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise RefusedURL(f"No such static file: {url_path[:200]}")


def decode_data_uri(url: str) -> tuple[str, bytes]:
    """``data:[<mime>][;base64],<data>`` → (mime, bytes); too large or malformed → refused."""
    if len(url) > MAX_DATA_URI_BYTES * 4 // 3 + 200:
        raise RefusedURL("data: URI too large")
    header, sep, data = url[5:].partition(",")
    if not sep:
        raise RefusedURL("Malformed data: URI")
    params = header.split(";")
    mime = params[0].strip() or "text/plain"
    if "base64" in (p.strip().lower() for p in params[1:]):
        try:
            body = base64.b64decode(unquote(data), validate=False)
        except ValueError as error:
            raise RefusedURL("Malformed base64 in data: URI") from error
    else:
        body = unquote_to_bytes(data)
    return mime, body


# --- Rendering ---------------------------------------------------------------------------------


def _render_in_child(conn: Connection, html: str, base: str) -> None:
    """The child process: render, send ``(outcome, payload)`` back, exit."""
    try:
        fetcher = SafeURLFetcher(base)
        conn.send(("ok", HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf()))
    except (MemoryError, RecursionError) as error:
        conn.send(("too_large", type(error).__name__))
    except Exception:
        logger.exception("PDF rendering failed")
        conn.send(("failed", ""))
    finally:
        conn.close()


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    time_limit_seconds: float = RENDER_TIME_LIMIT,
) -> bytes:
    """The PDF of ``html``, fetching only ``data:`` URIs and our static files.

    Root-relative URLs (``/static/css/print.css``) resolve against ``base_url`` (default: an
    internal origin). Raises ``PdfTooLarge`` for documents over ``MAX_HTML_BYTES``,
    ``PdfTimeout`` past the time limit and ``PdfError`` when WeasyPrint fails; never anything
    that would take the process down.

    WeasyPrint runs in a forked child process. A render past its time limit is stopped by
    killing the child, so nothing is ever interrupted half-way inside this process (an exception
    thrown into WeasyPrint, its caches or a garbage-collector callback leaves them broken for
    every later render), and the memory a large document takes is given back when it ends.
    """
    if len(html.encode("utf-8", "replace")) > MAX_HTML_BYTES:
        raise PdfTooLarge("This document is too large to export as PDF.")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_render_in_child, args=(sender, html, base_url or INTERNAL_BASE_URL), daemon=True
    )
    child.start()
    sender.close()  # the child holds its own end: EOF here once it is gone
    try:
        if not receiver.poll(time_limit_seconds):
            logger.warning("PDF rendering stopped after %s s", time_limit_seconds)
            raise PdfTimeout("The PDF took too long to render.")
        try:
            outcome, payload = receiver.recv()
        except EOFError:  # the child died without a word (killed, out of memory)
            outcome, payload = "failed", ""
    finally:
        receiver.close()
        child.kill()
        child.join()
    if outcome == "ok":
        return payload
    if outcome == "too_large":
        logger.warning("PDF rendering ran out of resources: %s", payload)
        raise PdfTooLarge("This document is too large to export as PDF.")
    raise PdfError("The PDF could not be rendered.")
