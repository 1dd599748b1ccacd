"""Drives the real OpenID Connect provider in ``oidc/server.mjs`` (npm ``oidc-provider``) from
Python: starts ``node`` on a free loopback port and speaks to its test admin API (``/__test__/``).
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
INSTALL_HINT = (
    "the test OpenID Connect provider's npm packages are not installed: run `make install` "
    "(or `npm ci --prefix tests/counterparts/oidc --no-audit --no-fund`)"
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class OidcProvider:
    """A running provider. ``start()`` (or a ``with`` block) starts it, ``stop()`` ends it."""

    def __init__(self, port: int = 0, node: str | None = None) -> None:
        self.port = port
        self.node = node or shutil.which("node") or "node"
        self.issuer = ""
        self._process: subprocess.Popen[str] | None = None
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - node's stderr, kept
        self._discovery: dict[str, Any] = {}

    # Life cycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> OidcProvider:
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(INSTALL_HINT)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as config:
            json.dump({"port": self.port}, config)
        self._process = subprocess.Popen(  # noqa: S603 - our own script
            [self.node, "server.mjs", config.name],
            cwd=OIDC_DIR,
            env={**os.environ, "OIDC_TEST_EXIT_ON_STDIN_END": "1"},
            stdin=subprocess.PIPE,  # node exits when it closes, i.e. when this process ends
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        try:
            self.issuer = self._read_issuer(timeout)
            self._discovery = self._wait_for_discovery(timeout)
        except Exception:
            self.stop()
            raise
        finally:
            os.unlink(config.name)
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None:
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()
        self._process = None

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _read_issuer(self, timeout: float) -> str:
        assert self._process is not None and self._process.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.append(self._process.stdout.readline()), daemon=True
        )
        reader.start()
        reader.join(timeout)
        issuer = lines[0].strip() if lines else ""
        if not issuer.startswith("http://"):
            raise RuntimeError(f"the test OpenID Connect provider did not start: {self.log()}")
        return issuer

    def _wait_for_discovery(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._get(self.discovery_url)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def log(self) -> str:
        """What node wrote on stderr."""
        self._log.seek(0)
        return self._log.read()

    # Where it is ----------------------------------------------------------------------------

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def discovery(self) -> dict[str, Any]:
        return dict(self._discovery)

    @property
    def authorization_endpoint(self) -> str:
        return self._discovery["authorization_endpoint"]

    @property
    def token_endpoint(self) -> str:
        return self._discovery["token_endpoint"]

    @property
    def userinfo_endpoint(self) -> str:
        return self._discovery["userinfo_endpoint"]

    @property
    def jwks_uri(self) -> str:
        return self._discovery["jwks_uri"]

    def jwks(self) -> dict[str, Any]:
        return self._get(self.jwks_uri)

    # The test admin API ---------------------------------------------------------------------

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str] | tuple[str, ...],
        token_endpoint_auth_method: str = "client_secret_basic",  # noqa: S107 - a method
        **metadata: Any,
    ) -> dict[str, Any]:
        """Register (or replace) a confidential client; returns its metadata."""
        return self._admin(
            "clients",
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uris": list(redirect_uris),
                "token_endpoint_auth_method": token_endpoint_auth_method,
                **metadata,
            },
        )

    def set_account(
        self,
        sub: str,
        email: str,
        *,
        email_verified: bool = True,
        name: str = "",
        given_name: str = "",
        family_name: str = "",
        groups: list[str] | tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Set (or replace) an account. Its claims are read at each login, so calling this again
        (e.g. with other groups) shows at the next login."""
        return self._admin(
            "accounts",
            {
                "sub": sub,
                "email": email,
                "email_verified": email_verified,
                "name": name,
                "given_name": given_name,
                "family_name": family_name,
                "groups": list(groups),
            },
        )

    def next_login(self, sub: str) -> None:
        """Log the following authorizations in as ``sub`` (until changed)."""
        self._admin("next-login", {"sub": sub})

    def fail_next_login(self, error: str = "access_denied", description: str | None = None) -> None:
        """The next authorization redirects back with ``error`` instead of a code."""
        self._admin("next-login", {"error": error, "error_description": description})

    def tamper_next_id_token(
        self, *, audience: str | None = None, nonce: str | None = None
    ) -> None:
        """The next token response's id_token carries this ``aud`` and/or ``nonce``, signed with
        the provider's own key (a token a Relying Party must refuse)."""
        self._admin("next-id-token", {"audience": audience, "nonce": nonce})

    def last_authorization(self) -> dict[str, str]:
        """The query parameters of the last authorization request (scope, nonce, PKCE, ...)."""
        return self._get(f"{self.issuer}/__test__/last-authorization")

    def reset(self) -> None:
        """Forget clients, accounts and switches."""
        self._admin("reset", {})

    # A browser, without one -----------------------------------------------------------------

    def authorize(self, url: str) -> str:
        """Follow an authorization URL through the provider as a browser would (the interaction
        completes itself) and return the URL it finally redirects to outside the provider: the
        client's redirect_uri with ``code`` and ``state`` (or ``error``)."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        for _ in range(10):
            try:
                with opener.open(url, timeout=10) as answer:
                    body = answer.read().decode()
                raise AssertionError(f"the provider answered {url} without redirecting: {body}")
            except urllib.error.HTTPError as exc:
                location = exc.headers.get("Location")
                if exc.code not in (302, 303) or not location:
                    raise AssertionError(
                        f"the provider answered {exc.code}: {exc.read().decode()}"
                    ) from exc
            url = urllib.parse.urljoin(url, location)
            if not url.startswith(f"{self.issuer}/"):
                return url
        raise AssertionError("the provider redirected more than 10 times")

    def exchange_code(
        self,
        code: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        code_verifier: str | None = None,
    ) -> dict[str, Any]:
        """The token endpoint's answer for an authorization code (client_secret_basic)."""
        fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            fields["code_verifier"] = code_verifier
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.token_endpoint, data=urllib.parse.urlencode(fields).encode()
        )
        credentials = urllib.parse.quote(client_id) + ":" + urllib.parse.quote(client_secret)
        request.add_header(
            "Authorization", "Basic " + base64.b64encode(credentials.encode()).decode()
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
                return json.load(answer)
        except urllib.error.HTTPError as exc:
            raise AssertionError(
                f"the token endpoint said {exc.code}: {exc.read().decode()}"
            ) from exc

    # Plumbing --------------------------------------------------------------------------------

    def _admin(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.issuer}/__test__/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
                return json.load(answer)
        except urllib.error.HTTPError as exc:
            raise AssertionError(
                f"the test provider refused {path}: {exc.read().decode()}"
            ) from exc

    @staticmethod
    def _get(url: str) -> Any:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
            return json.load(answer)
