"""Markdown for untrusted text, and the template filters of organizations/templatetags."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from organizations.markdown import render_markdown
from organizations.templatetags.hindsight import duration, http_url, t_offset


def test_markdown_renders_the_usual_constructs():
    html = render_markdown(
        "# Impact\n\n**Bold**, *em*, `code`, ~~no~~\n\n- one\n- two\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```\nx = 1\n```\n\n> quoted"
    )
    assert isinstance(html, SafeString)
    for fragment in (
        "<h1>Impact</h1>",
        "<strong>Bold</strong>",
        "<em>em</em>",
        "<code>code</code>",
        "<li>one</li>",
        '<th align="left">a</th>',
        '<td align="right">2</td>',
        "<pre><code>x = 1",
        "<blockquote>",
    ):
        assert fragment in html, fragment


def test_empty_text_renders_nothing():
    assert render_markdown("") == "" and render_markdown("  \n ") == ""


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
        ("[x](javascript:alert(1))", "javascript:"),
        ("[x](JAVASCRIPT:alert(1))", "JAVASCRIPT:"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
        ("[x](vbscript:msgbox)", "vbscript:"),
        ("<a href='/x' hx-get='/x' hx-trigger='load'>x</a>", "<a href"),
        ("<div style='position:fixed'>x</div>", "<div"),
        ("<svg onload=alert(1)>", "<svg"),
        ("<object data='x.swf'></object>", "<object"),
        ('text\n{: onclick="alert(1)" }', "onclick="),
        ('text\n{: hx-post="/o/acme/x" }', "hx-post="),
        ('text\n{: style="color:red" }', "style="),
        ("text\n{: #messages .btn }", 'id="messages"'),
        ("text\n{: .flash }", "class="),
        ("<!-- secret -->", "<!--"),
    ],
)
def test_markdown_never_lets_active_content_through(source, forbidden):
    assert forbidden not in render_markdown(source)


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>bold?</b>") == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>"


def test_links_keep_safe_schemes_and_get_rel():
    html = render_markdown("[a](https://a.io) [b](http://b.io) [c](mailto:ops@c.io) <https://d.io>")
    assert html.count('rel="noopener noreferrer nofollow"') == 4
    for href in ("https://a.io", "http://b.io", "mailto:ops@c.io", "https://d.io"):
        assert f'href="{href}"' in html


def test_footnotes_work_without_letting_other_ids_through():
    html = render_markdown("Claim[^1].\n\n[^1]: Source.")
    assert 'id="fnref:1"' in html and 'href="#fn:1"' in html and 'id="fn:1"' in html


def test_the_markdown_filter_escapes_and_marks_safe():
    template = Template("{% load hindsight %}{{ text|markdown }}")
    html = template.render(Context({"text": "**hi** <script>x</script>"}))
    assert html == "<p><strong>hi</strong> &lt;script&gt;x&lt;/script&gt;</p>"
    assert Template("{% load hindsight %}{{ text|markdown }}").render(Context({})) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "—"),
        (timedelta(seconds=45), "45s"),
        (timedelta(0), "0s"),
        (timedelta(minutes=14, seconds=59), "14m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=2, minutes=14), "2h 14m"),
        (timedelta(days=3, hours=4, minutes=30), "3d 4h"),
        (timedelta(days=2), "2d"),
        (timedelta(minutes=-5), "−5m"),
    ],
)
def test_duration_filter(value, expected):
    assert duration(value) == expected


START = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(0), "T+0m"),
        (timedelta(seconds=59), "T+0m"),
        (timedelta(minutes=5), "T+5m"),
        (timedelta(hours=1, minutes=5), "T+1h 05m"),
        (timedelta(days=1, hours=2, minutes=3), "T+1d 02h 03m"),
        (timedelta(minutes=-5), "T−5m"),
        (timedelta(hours=-2), "T−2h 00m"),
    ],
)
def test_t_offset_filter(offset, expected):
    assert t_offset(START + offset, START) == expected


def test_t_offset_without_times_is_empty():
    assert t_offset(None, START) == "" and t_offset(START, None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://ok.io/x", "https://ok.io/x"),
        ("HTTP://ok.io", "HTTP://ok.io"),
        ("javascript:alert(1)", ""),
        (" javascript:alert(1)", ""),
        ("data:text/html,x", ""),
        ("/relative", ""),
        (None, ""),
    ],
)
def test_http_url_filter(value, expected):
    assert http_url(value) == expected


def test_images_only_from_our_own_paths():
    from organizations.markdown import render_markdown

    assert 'src="/o/acme/incidents/INC-2026-0001/metrics/errorRate.svg"' in (
        render_markdown("![Error rate](/o/acme/incidents/INC-2026-0001/metrics/errorRate.svg)")
    )
    for remote in ("https://evil.example/p.png", "//evil.example/p.png", "data:image/png;base64,x"):
        assert "src=" not in render_markdown(f"![x]({remote})")
