"""Atlassian's and Linear's OAuth servers, stood in for on loopback: the consent page (which
consents at once, or refuses as a person clicking "Deny" would), the token endpoint (the
authorization code and the rotating refresh token) and, for Atlassian, the accessible
resources. They answer as the providers document and check each request as documented:

- Atlassian, https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/ (the
  authorization URL's parameters ``audience=api.atlassian.com``, ``client_id``, ``scope``,
  ``redirect_uri``, ``state``, ``response_type=code``, ``prompt=consent``; the code exchanged
  with ``grant_type``, ``client_id``, ``client_secret``, ``code``, ``redirect_uri``), the
  refresh at https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens/
  (``grant_type=refresh_token``, ``client_id``, ``client_secret``, ``refresh_token``; answer
  ``access_token``, ``refresh_token``, ``expires_in``, ``scope``; the used refresh token
  disabled; a refused one ``403 {"error": "invalid_grant", "error_description": "Unknown or
  invalid refresh token."}``) and the sites at
  https://developer.atlassian.com/cloud/oauth/getting-started/making-calls-to-api/
  (``GET /oauth/token/accessible-resources`` → ``[{id, name, url, scopes, avatarUrl}]``).
  Atlassian's examples send the token request as JSON; its endpoint, like any OAuth 2.0 one
  (RFC 6749 §4.1.3), takes the form encoding too: both are read.
- Linear, https://linear.app/developers/oauth-2-0-authentication (``client_id``,
  ``redirect_uri``, ``response_type=code``, comma-separated ``scope``, ``state``, ``actor``
  and PKCE's ``code_challenge`` with ``code_challenge_method=S256``; the token request form
  encoded with ``code``, ``redirect_uri``, ``client_id``, ``client_secret``,
  ``grant_type=authorization_code`` and ``code_verifier``; the answer ``{"access_token",
  "token_type": "Bearer", "expires_in", "scope": "read write", "refresh_token"}``; refresh
  tokens rotate; a refused refresh ``400 {"error": "invalid_grant"}``, RFC 6749 §5.2).

What does not match is listed in ``problems``; every request is kept in ``requests``."""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.integrations.trackers.github_server import Server

ATLASSIAN, LINEAR = "atlassian", "linear"
ATLASSIAN_SCOPES = {"read:jira-work", "write:jira-work", "read:jira-user", "offline_access"}
# the documented example site (making-calls-to-api), one per address the test gives
SITE = {
    "id": "1324a887-45db-1bf4-1e99-ef0ff456d421",
    "name": "Site name",
    "url": "https://your-domain.atlassian.net",
    "scopes": ["write:jira-work", "read:jira-user", "manage:jira-configuration"],
    "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png",
}
LINEAR_EXAMPLE_TOKEN = "00a21d8b0c4e2375114e49c067dfb81eb0d2076f48354714cd5df984d87b67cc"


def site(url: str, cloud_id: str) -> dict:
    return SITE | {"id": cloud_id, "url": url, "name": urlsplit(url).hostname.split(".")[0]}


@dataclass
class OAuthApp:
    """One provider's OAuth app as the provider holds it: its credentials, the codes it gave,
    the tokens alive, and what the consent page does (``deny``)."""

    provider: str
    url: str = ""  # where it listens, once served
    client_id: str = field(default_factory=lambda: f"client-{secrets.token_hex(8)}")
    client_secret: str = field(default_factory=lambda: f"secret-{secrets.token_hex(16)}")
    sites: list[dict] = field(
        default_factory=lambda: [site("https://acme.atlassian.net", SITE["id"])]
    )
    deny: bool = False
    expires_in: int = 3600
    refresh_delay: float = 0.0  # seconds the refresh takes (two workers at once)
    codes: dict[str, dict] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    issued: list[dict] = field(default_factory=list)  # every token answer, in order
    requests: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def tokens(self, *, scope: str) -> dict:
        if self.provider == LINEAR and not self.issued:
            access = LINEAR_EXAMPLE_TOKEN  # the documented example's, for the first
        else:
            access = secrets.token_hex(32)
        answer = {
            "access_token": access,
            "refresh_token": f"refresh-{secrets.token_urlsafe(24)}",
            "expires_in": self.expires_in,
            "scope": scope,
        }
        if self.provider == LINEAR:
            answer = {"token_type": "Bearer"} | answer
        self.access_tokens.add(answer["access_token"])
        self.refresh_tokens.add(answer["refresh_token"])
        self.issued.append(answer)
        return answer

    def grant(self, refresh_token: str) -> str:
        """A refresh token the provider holds for a connection made before the test."""
        self.refresh_tokens.add(refresh_token)
        return refresh_token

    def requests_to(self, path: str) -> list[dict]:
        return [request for request in self.requests if request["path"] == path]


class Handler(BaseHTTPRequestHandler):
    app: OAuthApp

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.app.problems.append(problem)

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        params = dict(parse_qsl(query))
        self.app.requests.append(
            {"method": "GET", "path": path, "params": params, "headers": dict(self.headers)}
        )
        if path in ("/authorize", "/oauth/authorize"):
            return self._authorize(path, params)
        if path == "/oauth/token/accessible-resources" and self.app.provider == ATLASSIAN:
            given = self.headers.get("Authorization", "")
            token = given.removeprefix("Bearer ")
            if not given.startswith("Bearer ") or token not in self.app.access_tokens:
                return self._answer(401, {"code": 401, "message": "Unauthorized"})
            return self._answer(200, self.app.sites)
        return self._answer(404, {"error": "not_found"})

    def _authorize(self, path: str, params: dict) -> None:
        app = self.app
        expected_path = "/authorize" if app.provider == ATLASSIAN else "/oauth/authorize"
        self._expect(path == expected_path, f"authorize at {path}")
        self._expect(params.get("client_id") == app.client_id, "authorize: client_id")
        self._expect(params.get("response_type") == "code", "authorize: response_type")
        self._expect(len(params.get("state", "")) >= 32, "authorize: state too short")
        if app.provider == ATLASSIAN:
            self._expect(params.get("audience") == "api.atlassian.com", "authorize: audience")
            self._expect(params.get("prompt") == "consent", "authorize: prompt")
            self._expect(
                set(params.get("scope", "").split(" ")) == ATLASSIAN_SCOPES, "authorize: scope"
            )
        else:
            self._expect(params.get("scope") == "read,write", "authorize: scope")
            self._expect(params.get("actor") == "user", "authorize: actor")
            self._expect(params.get("code_challenge_method") == "S256", "authorize: PKCE method")
            self._expect(len(params.get("code_challenge", "")) == 43, "authorize: PKCE challenge")
        redirect_uri = params.get("redirect_uri", "")
        if app.deny:
            answer = {"error": "access_denied", "state": params.get("state", "")}
        else:
            code = secrets.token_urlsafe(16)
            with app.lock:
                app.codes[code] = {
                    "redirect_uri": redirect_uri,
                    "challenge": params.get("code_challenge"),
                    "scope": params.get("scope", ""),
                }
            answer = {"code": code, "state": params.get("state", "")}
        self.send_response(302)
        self.send_header("Location", f"{redirect_uri}?{urlencode(answer)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _form(self) -> dict:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            body = json.loads(raw)
        else:
            self._expect(
                content_type.startswith("application/x-www-form-urlencoded"),
                f"token: content type {content_type}",
            )
            body = dict(parse_qsl(raw))
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Basic "):  # RFC 6749 §2.3.1, the other way to send them
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            body.setdefault("client_id", client_id)
            body.setdefault("client_secret", secret)
        return body

    def do_POST(self) -> None:
        path = self.path.partition("?")[0]
        body = self._form()
        self.app.requests.append(
            {"method": "POST", "path": path, "body": body, "headers": dict(self.headers)}
        )
        if path != "/oauth/token":
            return self._answer(404, {"error": "not_found"})
        app = self.app
        if (body.get("client_id"), body.get("client_secret")) != (
            app.client_id,
            app.client_secret,
        ):
            return self._answer(401, {"error": "invalid_client"})
        if body.get("grant_type") == "authorization_code":
            return self._code(body)
        if body.get("grant_type") == "refresh_token":
            return self._refresh(body)
        return self._answer(400, {"error": "unsupported_grant_type"})

    def _refused(self, description: str) -> None:
        status = 403 if self.app.provider == ATLASSIAN else 400
        self._answer(status, {"error": "invalid_grant", "error_description": description})

    def _code(self, body: dict) -> None:
        app = self.app
        with app.lock:
            grant = app.codes.pop(body.get("code", ""), None)  # a code is used once
        if grant is None:
            return self._refused("Unknown or invalid authorization code.")
        self._expect(body.get("redirect_uri") == grant["redirect_uri"], "token: redirect_uri")
        if grant["challenge"]:
            verifier = body.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["challenge"]:
                return self._refused("Invalid code verifier.")
        scope = grant["scope"].replace(",", " ")
        with app.lock:
            answer = app.tokens(scope=scope)
        self._answer(200, answer)

    def _refresh(self, body: dict) -> None:
        app = self.app
        time.sleep(app.refresh_delay)
        with app.lock:
            known = body.get("refresh_token", "") in app.refresh_tokens
            if known:  # rotating: the refresh token used is disabled
                app.refresh_tokens.discard(body["refresh_token"])
                scope = "read write" if app.provider == LINEAR else " ".join(ATLASSIAN_SCOPES)
                answer = app.tokens(scope=scope)
        if not known:
            return self._refused("Unknown or invalid refresh token.")
        self._answer(200, answer)


def serve(app: OAuthApp) -> Server:
    handler = type("BoundHandler", (Handler,), {"app": app})
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
