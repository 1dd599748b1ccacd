"""The HTTP side of the test SAML IdP (``saml_idp.py``): the HTTP-POST binding's form, made and
read, and the request handler serving the metadata and the SSO endpoint."""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Protocol

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT


@dataclass(frozen=True)
class PostedForm:
    """The IdP's answer: what the browser would POST, and where."""

    action: str
    saml_response: str
    relay_state: str | None = None

    @property
    def data(self) -> dict[str, str]:
        """The form fields, ready for ``client.post(form.action, form.data)``."""
        fields = {"SAMLResponse": self.saml_response}
        if self.relay_state is not None:
            fields["RelayState"] = self.relay_state
        return fields


class _IdentityProvider(Protocol):
    metadata_xml: str

    def answer(self, saml_request: str, binding: str, relay_state: str | None) -> PostedForm: ...


_INPUT = re.compile(r'<input[^>]*name="(?P<name>[^"]+)"[^>]*value="(?P<value>[^"]*)"', re.I)
_ACTION = re.compile(r'<form[^>]*action="(?P<action>[^"]+)"', re.I)


def render_form(form: PostedForm) -> str:
    """The auto-submitting HTML page of the HTTP-POST binding."""
    fields = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}"/>'
        for name, value in form.data.items()
    )
    return (
        "<!DOCTYPE html><html><head><title>SAML</title></head>"
        '<body onload="document.forms[0].submit()">'
        f'<form method="post" action="{html.escape(form.action)}">{fields}'
        '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
    )


def parse_form(page: str) -> PostedForm:
    """The action and fields of an HTTP-POST binding page."""
    action = _ACTION.search(page)
    fields = {m["name"]: html.unescape(m["value"]) for m in _INPUT.finditer(page)}
    if action is None or "SAMLResponse" not in fields:
        raise ValueError(f"not a SAML POST form: {page[:200]!r}")
    return PostedForm(
        html.unescape(action["action"]), fields["SAMLResponse"], fields.get("RelayState")
    )


def handler_for(idp: _IdentityProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/metadata":
                self._send(200, idp.metadata_xml, "application/samlmetadata+xml")
            elif url.path == "/sso":
                self._sso(query, BINDING_HTTP_REDIRECT)
            else:
                self._send(404, "not found", "text/plain")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if urllib.parse.urlsplit(self.path).path == "/sso":
                self._sso(fields, BINDING_HTTP_POST)
            else:
                self._send(404, "not found", "text/plain")

        def _sso(self, fields: dict[str, str], binding: str) -> None:
            if "SAMLRequest" not in fields:
                self._send(400, "SAMLRequest is missing", "text/plain")
                return
            try:
                form = idp.answer(fields["SAMLRequest"], binding, fields.get("RelayState"))
            except Exception as exc:  # a bad request is the test's to see, not a hung thread
                self._send(400, f"the test IdP cannot answer: {exc}", "text/plain")
                return
            self._send(200, render_form(form), "text/html; charset=utf-8")

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

    return Handler
