"""The PDF renderer fetches nothing but our static files and data: URIs.

A local HTTP server counts every request it gets; content that points the renderer at it (an
image, a redirect, a CSS @import, an SVG <image>, a font) or at file:/// must leave it at zero
while the PDF still renders.
"""

import io
import multiprocessing
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from organizations.roles import Role
from postmortems.exports import documents as exports
from postmortems.exports import pdf, rendering
from postmortems.models import Section
from tests.postmortems.read.helpers import new_postmortem, resolved_incident, save


class CountingServer:
    def __init__(self):
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                owner.requests.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "file:///etc/passwd")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"h1 { color: red }")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    with CountingServer() as server:
        yield server


def payloads(port: int) -> list[str]:
    base = f"http://127.0.0.1:{port}"
    return [
        f"![tracker]({base}/a.png)",
        f"![redirect]({base}/redirect.png)",
        "![passwd](file:///etc/passwd)",
        "<img src=file:///etc/passwd>",
        f'<img src="{base}/raw.png">',
        f"<style>@import url({base}/x.css);</style>",
        f'<link rel="stylesheet" href="{base}/linked.css">',
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/>'
        f'<image href="{base}/svg.png"/></svg>',
        "![internal](http://169.254.169.254/latest/meta-data/)",
        "![meta](http://10.0.0.1/x.png)",
        f"[a link, never fetched]({base}/link)",
    ]


def pdf_text(data: bytes, tmp_path=None) -> str:
    """The PDF's text, page after page (pypdf: no external tool, never skipped)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# --- The fetcher, URL by URL -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.com/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "ftp://example.com/x",
        "gopher://127.0.0.1:70/",
        "//evil.example.com/x.png",
        "https://hindsight.internal/../../etc/passwd",
        "https://hindsight.internal/static/../../etc/passwd",
        "https://hindsight.internal/static/%2e%2e/%2e%2e/etc/passwd",
        "https://hindsight.internal/static/css/..%2F..%2Fsettings.py",
        "https://hindsight.internal/static/css/app.css/../../../../etc/passwd",
        "https://hindsight.internal/media/secret.zip",
        "https://hindsight.internal/o/acme/incidents/INC-2026-0001/metrics/errorRate.svg",
        "https://hindsight.internal/static/js/app.js",
        "https://hindsight.internal/static/css/nope.css",
        "http://hindsight.internal/static/css/print.css",  # another origin: scheme differs
    ],
)
def test_fetcher_refuses(url):
    fetcher = pdf.SafeURLFetcher()
    with pytest.raises(Exception):  # noqa: B017 — any refusal; WeasyPrint skips the resource
        fetcher(url)


def test_fetcher_serves_our_static_files_and_data_uris():
    fetcher = pdf.SafeURLFetcher()
    css = fetcher("https://hindsight.internal/static/css/print.css")
    assert b"@page" in css.read()
    assert css.content_type == "text/css"
    svg = fetcher("data:image/svg+xml,%3Csvg%20xmlns%3D%22http://www.w3.org/2000/svg%22/%3E")
    assert svg.read().startswith(b"<svg")
    png = fetcher("data:image/png;base64,iVBORw0KGgo=")
    assert png.read() == b"\x89PNG\r\n\x1a\n"


def test_fetcher_uses_the_origin_it_renders_for():
    fetcher = pdf.SafeURLFetcher("https://hindsight.example.com/o/acme/")
    assert fetcher("https://hindsight.example.com/static/css/print.css").read()
    with pytest.raises(pdf.RefusedURL):
        fetcher("https://hindsight.internal/static/css/print.css")


def test_oversized_data_uri_is_refused():
    with pytest.raises(pdf.RefusedURL):
        pdf.decode_data_uri("data:text/plain," + "a" * (pdf.MAX_DATA_URI_BYTES * 2))


# --- Whole documents ---------------------------------------------------------------------------


def test_raw_html_payloads_fetch_nothing_and_still_render(listener):
    html = "<html><head>" + payloads(listener.port)[5] + payloads(listener.port)[6] + "</head>"
    html += "<body><h1>Still here</h1>" + "".join(payloads(listener.port)) + "</body></html>"
    html += f'<base href="http://127.0.0.1:{listener.port}/"><img src="relative.png">'
    data = pdf.render_pdf(html)
    assert data.startswith(b"%PDF")
    assert listener.requests == []


def test_postmortem_content_fetches_nothing(listener, member_factory, org, tmp_path):
    author = member_factory(Role.ENGINEER, username="ann")
    incident = resolved_incident(org, author)
    postmortem = new_postmortem(org, author, incident=incident)
    evil = "\n\n".join(payloads(listener.port))
    bodies = {
        s.key: f"Section {s.key} text.\n\n{evil}"
        for s in Section.objects.filter(postmortem=postmortem)
        if s.kind == "markdown"
    }
    postmortem = save(postmortem, author, sections=bodies)
    Section.objects.filter(postmortem=postmortem, kind="timeline").update(
        data={"rows": [{"time": timezone.now().isoformat(), "event": evil, "actor": "x"}]}
    )
    export = exports.load_export(postmortem)
    data = rendering.pdf_of(export, use_cache=False)
    assert listener.requests == []
    text = pdf_text(data, tmp_path)
    assert "Section executive-summary text." in text
    assert "root:" not in text  # nothing of /etc/passwd


def test_page_export_fetches_nothing(listener, client, member_factory, org):
    author = member_factory(Role.ENGINEER, username="ann")
    postmortem = new_postmortem(org, author, incident=resolved_incident(org, author))
    key = Section.objects.filter(postmortem=postmortem, kind="markdown").first().key
    save(postmortem, author, sections={key: "\n\n".join(payloads(listener.port))})
    client.force_login(author)
    response = client.get(
        reverse(
            "postmortem_export",
            kwargs={"org_slug": org.slug, "number": postmortem.number, "fmt": "pdf"},
        )
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert listener.requests == []


def test_a_huge_document_fails_cleanly(monkeypatch):
    monkeypatch.setattr(pdf, "MAX_HTML_BYTES", 1000)
    with pytest.raises(pdf.PdfTooLarge):
        pdf.render_pdf("<p>" + "x" * 2000 + "</p>")


def test_rendering_past_the_time_limit_fails_cleanly():
    rows = "".join(f"<tr><td>{n}</td><td>{'word ' * 40}</td></tr>" for n in range(4000))
    with pytest.raises(pdf.PdfTimeout):
        pdf.render_pdf(f"<table>{rows}</table>", time_limit_seconds=0.3)
    # the render was stopped in its own process: nothing is left running or half-done here
    assert multiprocessing.active_children() == []
    assert pdf.render_pdf("<p>after</p>").startswith(b"%PDF")


def test_rendering_never_interrupts_this_process(monkeypatch):
    """A render happens in a child process: a timer signal or exception thrown into this one
    would leave WeasyPrint's caches (and anything else it caught mid-way) broken for the next
    render of every other document."""
    delivered = []
    monkeypatch.setattr(signal, "setitimer", lambda *args: delivered.append(args))
    rows = "".join(f"<tr><td>{n}</td><td>{'word ' * 40}</td></tr>" for n in range(4000))
    with pytest.raises(pdf.PdfTimeout):
        pdf.render_pdf(f"<table>{rows}</table>", time_limit_seconds=0.2)
    assert delivered == []
