"""A real SAML 2.0 identity provider on loopback for the SSO tests: pysaml2's IdP side
(``saml2.server.Server``, signing with Debian's ``xmlsec1``) served by ``http.server`` in a thread.

It makes its own key and self-signed certificate at start, serves its metadata at
``metadata_url`` (which is also its entity id) and takes an AuthnRequest at ``sso_url``
(HTTP-Redirect or HTTP-POST binding). It answers with the HTTP-POST binding: an auto-submitting
HTML form carrying SAMLResponse and RelayState to the AssertionConsumerServiceURL named in the
request, with the audience the request's Issuer: the service provider is whatever the request
says, so the same IdP serves the Django test client's ``testserver`` and a live server's host.

Who logs in is chosen up front (``next_login``); bad responses come from ``tamper_next_response``
(for the SSO endpoint) or ``response_for`` (for a test posting to the ACS itself). A response is
a plain base64 string and can be posted again (a replay).
"""

from __future__ import annotations

import base64
import collections
import datetime
import html
import shutil
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import (
    BINDING_HTTP_POST,
    BINDING_HTTP_REDIRECT,
    NAMEID_FORMAT_EMAILADDRESS,
    saml,
    samlp,
)
from saml2.assertion import Policy
from saml2.attribute_converter import AttributeConverter
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from tests.counterparts.saml_binding import PostedForm, handler_for, parse_form

XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
PASSWORD_AUTHN = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"

_SP_METADATA = """<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" \
entityID="{entity_id}"><md:SPSSODescriptor \
protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService \
Binding="{post}" Location="{acs_url}" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>"""


@dataclass(frozen=True)
class SamlUser:
    """The person the IdP logs in. Attributes go out as email, firstName, lastName and groups
    (multi-valued); the NameID is ``name_id`` (default: the email) in ``name_id_format``."""

    email: str
    first_name: str = ""
    last_name: str = ""
    groups: tuple[str, ...] = ()
    name_id: str | None = None
    name_id_format: str = NAMEID_FORMAT_EMAILADDRESS

    def attributes(self) -> dict[str, list[str]]:
        return {
            "email": [self.email],
            "firstName": [self.first_name],
            "lastName": [self.last_name],
            "groups": list(self.groups),
        }


@dataclass(frozen=True)
class ReceivedRequest:
    """An AuthnRequest the SSO endpoint took in."""

    id: str
    issuer: str
    acs_url: str
    relay_state: str | None
    xml: str


@dataclass
class _Tamper:
    expired: bool = False
    audience: str | None = None
    other_key: bool = False


@dataclass
class _State:
    user: SamlUser | None = None
    fail_next: str | None = None
    tamper_next: _Tamper | None = None
    requests: list[ReceivedRequest] = field(default_factory=list)


def _key_and_certificate(common_name: str) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def _policy(minutes: int) -> Policy:
    return Policy(
        {
            "default": {
                "lifetime": {"minutes": minutes},
                "attribute_restrictions": None,
                "name_form": NAME_FORMAT_BASIC,
            }
        }
    )


class SamlIdentityProvider:
    """Start with ``start()`` (or use as a context manager); ``stop()`` ends it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._httpd = ThreadingHTTPServer((host, port), handler_for(self))
        self.base_url = f"http://{host}:{self._httpd.server_address[1]}"
        self.metadata_url = f"{self.base_url}/metadata"
        self.entity_id = self.metadata_url
        self.sso_url = f"{self.base_url}/sso"
        self._dir = Path(tempfile.mkdtemp(prefix="saml-idp-"))
        self._lock = threading.Lock()
        self._state = _State()
        self._thread: threading.Thread | None = None
        self._server, self.certificate_pem = self._make_server("idp")
        self._other_server: Server | None = None
        self._known: dict[int, set[str]] = collections.defaultdict(set)
        self.metadata_xml = create_metadata_string(None, config=self._server.config).decode()

    # Life cycle -----------------------------------------------------------------------------

    def start(self) -> SamlIdentityProvider:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SamlIdentityProvider:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget the chosen user, the switches and the received requests."""
        with self._lock:
            self._state = _State()

    # What the next login does ---------------------------------------------------------------

    def next_login(
        self,
        email: str,
        *,
        first_name: str = "",
        last_name: str = "",
        groups: tuple[str, ...] | list[str] = (),
        name_id: str | None = None,
        name_id_format: str = NAMEID_FORMAT_EMAILADDRESS,
    ) -> SamlUser:
        """Log the following SSO requests in as this person (until changed)."""
        user = SamlUser(email, first_name, last_name, tuple(groups), name_id, name_id_format)
        with self._lock:
            self._state.user = user
            self._state.fail_next = None
        return user

    def fail_next_login(self, message: str = "the test made this login fail") -> None:
        """The next SSO request gets an unsuccessful Response (status Responder/AuthnFailed)."""
        with self._lock:
            self._state.fail_next = message

    def tamper_next_response(
        self, *, expired: bool = False, audience: str | None = None, other_key: bool = False
    ) -> None:
        """The next SSO answer is bad in the given ways: an assertion that expired
        (NotOnOrAfter in the past), another audience, or signed with a fresh key and certificate
        that the metadata does not name."""
        with self._lock:
            self._state.tamper_next = _Tamper(expired, audience, other_key)

    @property
    def last_request(self) -> ReceivedRequest | None:
        with self._lock:
            return self._state.requests[-1] if self._state.requests else None

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._state.requests)

    # Responses --------------------------------------------------------------------------------

    def response_for(
        self,
        acs_url: str,
        sp_entity_id: str,
        *,
        user: SamlUser | None = None,
        in_response_to: str | None = None,
        audience: str | None = None,
        expired: bool = False,
        other_key: bool = False,
        sign_response: bool = True,
        sign_assertion: bool = True,
    ) -> str:
        """A base64 SAMLResponse for ``acs_url`` (Destination and Recipient) and ``sp_entity_id``
        (audience, unless ``audience`` names another). Without ``in_response_to`` it is
        unsolicited (IdP-initiated). ``user`` defaults to the one chosen by ``next_login``."""
        user = user or self._state.user
        if user is None:
            raise ValueError("no user: call next_login() first or pass user=")
        server = self._other() if other_key else self._server
        self._know_sp(server, audience or sp_entity_id, acs_url)
        xml = server.create_authn_response(
            identity=user.attributes(),
            in_response_to=in_response_to,
            destination=acs_url,
            sp_entity_id=audience or sp_entity_id,
            name_id=saml.NameID(format=user.name_id_format, text=user.name_id or user.email),
            authn={"class_ref": PASSWORD_AUTHN},
            release_policy=_policy(-5 if expired else 15),
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return base64.b64encode(str(xml).encode()).decode()

    def error_response_for(
        self, acs_url: str, *, in_response_to: str | None = None, message: str = "login failed"
    ) -> str:
        """A base64 unsuccessful SAMLResponse (Responder / AuthnFailed), signed."""
        xml = self._server.create_error_response(
            in_response_to,
            acs_url,
            info=(samlp.STATUS_AUTHN_FAILED, message),
            sign=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return base64.b64encode(str(xml).encode()).decode()

    def login(self, sso_url: str) -> PostedForm:
        """Follow an SP's redirect to ``sso_url`` (HTTP-Redirect binding) as a browser would and
        return the form the IdP answers with."""
        try:
            with urllib.request.urlopen(sso_url, timeout=10) as answer:  # noqa: S310 - loopback
                return parse_form(answer.read().decode())
        except urllib.error.HTTPError as exc:
            raise ValueError(f"the IdP said {exc.code}: {exc.read().decode()}") from exc

    # Internals --------------------------------------------------------------------------------

    def _make_server(self, name: str) -> tuple[Server, str]:
        key_pem, cert_pem = _key_and_certificate(f"Hindsight test SAML IdP ({name})")
        key_file, cert_file = self._dir / f"{name}.key", self._dir / f"{name}.crt"
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(cert_pem)
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": XMLSEC1,
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "metadata": {"inline": []},
                "service": {
                    "idp": {
                        "name": "Hindsight test IdP",
                        "endpoints": {
                            "single_sign_on_service": [
                                (self.sso_url, BINDING_HTTP_REDIRECT),
                                (self.sso_url, BINDING_HTTP_POST),
                            ]
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "want_authn_requests_signed": False,
                    }
                },
            }
        )
        # Attribute names go out as given (email, firstName, ...), not mapped to OIDs.
        converter = AttributeConverter(NAME_FORMAT_BASIC)
        converter._to, converter._fro = {}, {}
        config.attribute_converters = [converter]
        return Server(config=config), cert_pem.decode()

    def _know_sp(self, server: Server, entity_id: str, acs_url: str) -> None:
        """pysaml2 looks the SP up in its metadata store while answering: each SP (entity id) an
        AuthnRequest or a test names gets a minimal metadata entry, made on first sight."""
        with self._lock:
            if entity_id in self._known[id(server)]:
                return
            self._known[id(server)].add(entity_id)
        server.metadata.load(
            "inline",
            _SP_METADATA.format(
                entity_id=html.escape(entity_id),
                acs_url=html.escape(acs_url),
                post=BINDING_HTTP_POST,
            ),
        )

    def _other(self) -> Server:
        if self._other_server is None:
            self._other_server, _ = self._make_server("other")
        return self._other_server

    def answer(self, saml_request: str, binding: str, relay_state: str | None) -> PostedForm:
        """The SSO endpoint's answer to an AuthnRequest, for the user of ``next_login``."""
        parsed = self._server.parse_authn_request(saml_request, binding)
        message = parsed.message
        request = ReceivedRequest(
            id=message.id,
            issuer=message.issuer.text.strip(),
            acs_url=message.assertion_consumer_service_url,
            relay_state=relay_state,
            xml=parsed.xmlstr.decode() if isinstance(parsed.xmlstr, bytes) else str(parsed.xmlstr),
        )
        with self._lock:
            self._state.requests.append(request)
            fail, self._state.fail_next = self._state.fail_next, None
            tamper, self._state.tamper_next = self._state.tamper_next or _Tamper(), None
        if not request.acs_url:
            raise ValueError("the AuthnRequest names no AssertionConsumerServiceURL")
        if fail is not None:
            response = self.error_response_for(
                request.acs_url, in_response_to=request.id, message=fail
            )
        else:
            response = self.response_for(
                request.acs_url,
                request.issuer,
                in_response_to=request.id,
                audience=tamper.audience,
                expired=tamper.expired,
                other_key=tamper.other_key,
            )
        return PostedForm(request.acs_url, response, relay_state)
